/**
 * The MNIST CNN of the main job. Two 5×5 conv blocks and one linear layer: small enough to train an
 * epoch quickly on two cores, large enough to pass 99 % test accuracy.
 */
import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '@simplegrad/nn';

/** Builds the model (parameters drawn from the global seeded generator). Input `[B, 1, 28, 28]`. */
export function mnistModel(): Sequential {
  return new Sequential(
    new Conv2d(1, 16, 5),   // [B, 16, 24, 24]
    new ReLU(),
    new MaxPool2d(2),       // [B, 16, 12, 12]
    new Conv2d(16, 32, 5),  // [B, 32, 8, 8]
    new ReLU(),
    new MaxPool2d(2),       // [B, 32, 4, 4]
    new Flatten(),          // [B, 512]
    new Linear(512, 10),    // [B, 10] logits
  );
}
