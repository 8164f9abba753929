// One shared rollup config, run from each package folder (`rollup -c ../../rollup.config.mjs`).
// tsc -b writes the .d.ts files; esbuild strips the TypeScript here. Each package's entries (its
// `rollupEntries`, default { index: 'src/index.ts' }) are built together, once as ESM (.mjs) and once
// as CommonJS (.cjs): code two entries share goes to one shared chunk, so a class has one identity
// whichever entry it is imported from.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import commonjs from '@rollup/plugin-commonjs';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import esbuild from 'rollup-plugin-esbuild';

const pkg = JSON.parse(readFileSync(resolve('package.json'), 'utf8'));
const deps = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies });
const external = (id) => id.startsWith('node:') || deps.some((d) => id === d || id.startsWith(`${d}/`));
const entries = pkg.rollupEntries ?? { index: 'src/index.ts' };

/**
 * CommonJS-only dependencies that an import map cannot load are inlined, reduced to the part we use,
 * so every ESM build loads in a browser with no bundler and no CJS loader:
 * - seedrandom: core uses only its Alea PRNG (`seedrandom.alea`, lib/alea.js, 3 kB, MIT);
 * - jpeg-js: datasets uses only its decoder (`jpeg.decode`, lib/decoder.js, BSD-3-Clause).
 * Each bare name resolves to a module exporting just that part; node-resolve + commonjs inline it
 * into both builds (the notices are in the packages' LICENSE files). Only packages that import a
 * name inline it, and it stays out of their runtime dependencies.
 */
const INLINE_CJS = {
  seedrandom: "import alea from 'seedrandom/lib/alea.js';\nexport default { alea };\n",
  'jpeg-js': "import decode from 'jpeg-js/lib/decoder.js';\nexport default { decode };\n",
};
const inlineCjs = {
  name: 'inline-cjs',
  resolveId: (id) => (Object.hasOwn(INLINE_CJS, id) ? `\0inline:${id}` : null),
  load: (id) => (id.startsWith('\0inline:') ? INLINE_CJS[id.slice('\0inline:'.length)] : null),
};
/**
 * The CommonJS build learns its own location from `__filename` (rollup's default shim for
 * `import.meta.url` calls `require('url')` dynamically, which bundlers flag). Used only to name the
 * copy in core's duplicate-instance warning.
 */
const cjsImportMeta = {
  name: 'cjs-import-meta',
  resolveImportMeta(prop, { format }) {
    if (format === 'cjs' && prop === 'url') return '(typeof __filename === "string" ? "file://" + __filename : "")';
    return null;
  },
};

/**
 * The generated wasm bytes module (packages/core/src/kernels/wasm/bytes.ts) would put its base64
 * into every source map's `sourcesContent` as well: keep the maps' other sources, drop that one.
 */
const lightMaps = {
  name: 'light-source-maps',
  generateBundle(_options, bundle) {
    for (const file of Object.values(bundle)) {
      if (file.type !== 'asset' || !file.fileName.endsWith('.map')) continue;
      const map = JSON.parse(String(file.source));
      if (!map.sourcesContent) continue;
      map.sources.forEach((s, i) => { if (/kernels\/wasm\/bytes\.ts$/.test(s)) map.sourcesContent[i] = null; });
      file.source = JSON.stringify(map);
    }
  },
};

/** Every `.d.ts` file under `dir`, recursively. */
const declarations = (dir) => readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.d.ts')).map((f) => join(dir, f));

/**
 * After the JS is written: (1) long string constants in the declarations (the base64 wasm bytes)
 * become `string`, so the bytes ship once per build, not again in a .d.ts; (2) every `.d.ts` gets a
 * `.d.cts` twin whose relative imports name `.cjs` files, which the `require` condition's `types`
 * point to: TypeScript then types `require('@simplegrad/x')` as CommonJS (no TS1479 under
 * `module: node16`), and ESM importers keep the `.d.ts` files.
 */
const cjsDeclarations = {
  name: 'cjs-declarations',
  closeBundle() {
    for (const file of declarations(resolve('dist'))) {
      const text = readFileSync(file, 'utf8');
      const slim = text.replace(/(export declare const \w+)\s*=\s*"[A-Za-z0-9+/=]{256,}";/g, '$1: string;');
      if (slim !== text) writeFileSync(file, slim);
      const cts = slim
        .replace(/((?:from|import)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]*?)\.js\2/g, '$1$2$3.cjs$2')
        .replace(/\n\/\/# sourceMappingURL=.*\n?$/, '\n');
      writeFileSync(file.replace(/\.d\.ts$/, '.d.cts'), cts);
    }
  },
};

export default {
  input: entries,
  external,
  plugins: [
    inlineCjs,
    // Only those may be inlined: any other bare import stays external or fails the build (below).
    nodeResolve({ resolveOnly: Object.keys(INLINE_CJS), browser: true, preferBuiltins: false }),
    commonjs({ include: /node_modules\/(seedrandom|jpeg-js)\// }),
    esbuild({
      target: 'es2022', tsconfig: 'tsconfig.json', sourceMap: true,
      // The version a bundle reports in core's duplicate-instance warning.
      define: { __SIMPLEGRAD_VERSION__: JSON.stringify(pkg.version) },
    }),
    cjsImportMeta,
    lightMaps,
    cjsDeclarations,
  ],
  onwarn(w, warn) {
    // An undeclared sibling import would silently become external: make it a build error.
    if (w.code === 'UNRESOLVED_IMPORT') throw new Error(`${pkg.name}: ${w.message}`);
    // tensor.ts <-> ops/* form intended cycles (methods delegate to op functions at call time).
    if (w.code === 'CIRCULAR_DEPENDENCY') return;
    warn(w);
  },
  output: [
    { dir: 'dist', format: 'es', sourcemap: true, entryFileNames: '[name].mjs', chunkFileNames: '[name]-[hash].mjs' },
    { dir: 'dist', format: 'cjs', sourcemap: true, exports: 'named', entryFileNames: '[name].cjs', chunkFileNames: '[name]-[hash].cjs' },
  ],
};
