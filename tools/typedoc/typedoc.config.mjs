// TypeDoc for every package under packages/ (run from the root: `npm run docs`, or `npm run check:docs`
// to validate without writing). It runs on its own TypeScript 5.9 (this folder's devDependencies):
// the repository's TypeScript 7 has no JS compiler API. Validation fails the run when a public name
// has no doc comment: every exported function, class, constant, interface, type alias and enum, and
// every public or protected method and accessor of the exported classes.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packages = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'packages');
const manifests = readdirSync(packages)
  .filter((d) => existsSync(join(packages, d, 'package.json')))
  .map((d) => ({ dir: join(packages, d), pkg: JSON.parse(readFileSync(join(packages, d, 'package.json'), 'utf8')) }))
  .filter(({ pkg }) => !pkg.private);

/** @type {Partial<import('typedoc').TypeDocOptions>} */
export default {
  name: 'simplegrad',
  // Each package's public entries: its rollupEntries (e.g. datasets' index and node), else src/index.ts.
  entryPoints: manifests.flatMap(({ dir, pkg }) => Object.values(pkg.rollupEntries ?? { index: 'src/index.ts' }).map((src) => join(dir, src))),
  entryPointStrategy: 'resolve',
  tsconfig: join(dirname(fileURLToPath(import.meta.url)), 'tsconfig.json'),
  out: join(packages, '..', 'docs', 'api'),
  readme: 'none',
  disableSources: true,
  // tsc (TypeScript 7) type-checks; TypeDoc only reads the declarations.
  skipErrorChecking: true,
  excludePrivate: true,
  excludeInternal: true,
  excludeExternals: true,
  sort: ['source-order'],
  validation: { notExported: false, invalidLink: false, rewrittenLink: false, notDocumented: true },
  requiredToBeDocumented: ['Enum', 'Variable', 'Function', 'Class', 'Interface', 'TypeAlias', 'Method', 'Accessor'],
  // TypeDoc only checks names of the packages listed here (by default only this folder's own).
  packagesRequiringDocumentation: manifests.map(({ pkg }) => pkg.name),
  treatValidationWarningsAsErrors: true,
  treatWarningsAsErrors: true,
  logLevel: 'Warn',
};
