/**
 * seedrandom as an ES module. It ships only CommonJS, so a page that loads the packages' own
 * `dist/index.mjs` through an import map (`check.html`) maps `seedrandom` to this bundle.
 */
import seedrandom from 'seedrandom';

export default seedrandom;
