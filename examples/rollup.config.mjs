// The browser build of the web demos (examples/web): the MNIST page, its module worker, the DOM-free
// training session (which Node imports too, for the determinism check), the images page and its
// worker, and ESM builds of seedrandom, fast-png and jpeg-js for check.html's import map. Everything is inlined, seedrandom's CommonJS included; nothing may stay external,
// so a Node built-in reaching these entry points fails the build instead of failing in a browser.
import { nodeResolve } from '@rollup/plugin-node-resolve';
import commonjs from '@rollup/plugin-commonjs';
import esbuild from 'rollup-plugin-esbuild';
import { rmSync } from 'node:fs';

/** Empties web/dist first: chunk names carry hashes, so old ones would pile up. */
const clean = { name: 'clean-web-dist', buildStart: () => rmSync('web/dist', { recursive: true, force: true }) };

export default {
  input: {
    page: 'web/src/page.ts',
    worker: 'web/src/worker.ts',
    session: 'web/src/session.ts',
    'images-page': 'web/src/images-page.ts',
    'images-worker': 'web/src/images-worker.ts',
    seedrandom: 'web/src/seedrandom.ts',
    'fast-png': 'web/src/fast-png.ts',
    'jpeg-js': 'web/src/jpeg-js.ts',
  },
  plugins: [
    clean,
    // `browser: true` takes seedrandom's "browser" field, which maps its optional require('crypto') to nothing.
    nodeResolve({ browser: true, preferBuiltins: false }),
    commonjs(),
    esbuild({ target: 'es2022', tsconfig: 'web/tsconfig.json', sourceMap: true }),
  ],
  external: (id) => {
    if (id.startsWith('node:')) throw new Error(`the web bundle imports the Node built-in ${id}`);
    return false;
  },
  onwarn(w, warn) {
    if (w.code === 'UNRESOLVED_IMPORT' || w.code === 'MISSING_EXPORT') throw new Error(`web bundle: ${w.message}`);
    warn(w);
  },
  output: {
    dir: 'web/dist',
    format: 'es',
    sourcemap: true,
    entryFileNames: '[name].mjs',
    chunkFileNames: 'chunks/[name]-[hash].mjs',
    // seedrandom is shared by session.mjs and seedrandom.mjs; name its chunk for what it holds.
    manualChunks: (id) => (id.includes('/node_modules/seedrandom/') ? 'seedrandom-cjs' : undefined),
  },
};
