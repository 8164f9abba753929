// One shared rollup config, run from each package folder (`rollup -c ../../rollup.config.mjs`).
// tsc -b writes the .d.ts files; esbuild strips the TypeScript here.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import esbuild from 'rollup-plugin-esbuild';

const pkg = JSON.parse(readFileSync(resolve('package.json'), 'utf8'));
const deps = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies });
const external = (id) => id.startsWith('node:') || deps.some((d) => id === d || id.startsWith(`${d}/`));
const entries = pkg.rollupEntries ?? { index: 'src/index.ts' };

export default Object.entries(entries).map(([name, input]) => ({
  input,
  external,
  plugins: [esbuild({ target: 'es2022', tsconfig: 'tsconfig.json', sourceMap: true })],
  onwarn(w, warn) {
    // An undeclared sibling import would silently become external: make it a build error.
    if (w.code === 'UNRESOLVED_IMPORT') throw new Error(`${pkg.name}: ${w.message}`);
    // tensor.ts <-> ops/* form intended cycles (methods delegate to op functions at call time).
    if (w.code === 'CIRCULAR_DEPENDENCY') return;
    warn(w);
  },
  output: [
    { file: `dist/${name}.mjs`, format: 'es', sourcemap: true },
    { file: `dist/${name}.cjs`, format: 'cjs', sourcemap: true, exports: 'named' },
  ],
}));
