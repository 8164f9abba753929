/** jpeg-js (CommonJS only) as an ES module, for check.html's import map, like seedrandom.ts. */
import jpeg from 'jpeg-js';

export default jpeg;
