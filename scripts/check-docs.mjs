#!/usr/bin/env node
// Checks the promise "every public function and class has a doc comment".
//
// Starting from each package's public entry points (the `source` condition of every `exports` entry in
// packages/*/package.json), it follows `export { a } from`, `export * from` and `export * as ns from`
// to the files that declare each public name, and requires a `/** ... */` block immediately before
// every exported function, class, const, interface, type and enum, and before every public method
// and getter of those classes (and of the unexported base classes they inherit from). "Immediately"
// means only whitespace in between: a `//` comment after the doc block hides it. Members that are
// `private`, `protected`, `#named`, setters, constructors and fields are not checked; an `override`
// is exempt when a base class documents the member it overrides.
//
// TypeScript 7 ships no JS compiler API, so this reads the sources with a small tokenizer and a
// statement-level parser: enough for declarations and export lists, not a full TypeScript grammar.
// Anything it cannot resolve (a relative import to a missing file) is an error, not a silent pass.
// Default exports are not followed: the packages have none, and PyTorch-style APIs name everything.
//
// Usage: node scripts/check-docs.mjs [--list] [entry.ts ...]
// Prints `file:line  name` for each missing doc comment and a final count line; exits 1 if any are
// missing, 2 if the sources could not be read. `--list` prints every checked name, marking the
// documented ones `ok`, to audit what the parser found; entry files given as arguments replace the
// packages' entry points (to try the checker on a single file).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// ---------------------------------------------------------------------------------------------------
// 1. Tokenizer
//
// Produces identifiers, strings, numbers and punctuation with their line numbers, and skips comments,
// template-literal text and regular expressions, so that braces inside them cannot confuse the
// parser. Each token records whether a JSDoc block is the last thing before it (only whitespace in
// between): that is the "immediately before" of the check.
// ---------------------------------------------------------------------------------------------------

/** @typedef {{ kind: 'id' | 'str' | 'num' | 'punct', value: string, line: number, doc: boolean, newline: boolean }} Token */

// Keywords after which a `/` starts a regular expression rather than a division.
const REGEX_AFTER_KEYWORD = new Set([
  'return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void', 'throw', 'case', 'do', 'else',
  'yield', 'await',
]);
// Sticky patterns, matched at the current position (`lastIndex`) without slicing the source.
const IDENT = /#?[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*/uy;
const NUMBER = /\.?[0-9][0-9a-zA-Z_.]*/y;
const BLANKS = /[ \t\r\f\v\ufeff]+/y;
const REGEX_FLAGS = /[a-z]*/y;

/** `pattern` if it matches `src` at `at` (its `lastIndex` then points past the match), else null. */
function matchAt(pattern, src, at) {
  pattern.lastIndex = at;
  return pattern.test(src) ? pattern : null;
}

/**
 * Splits TypeScript source into tokens.
 * @param {string} src
 * @param {string} file  for error messages
 * @returns {Token[]}
 */
function tokenize(src, file) {
  /** @type {Token[]} */
  const tokens = [];
  // Open `{` and `${`, so that a `}` knows whether it resumes a template literal.
  const braces = [];
  let i = 0;
  let line = 1;
  // Whether the last comment seen since the previous token was a non-empty `/** ... */`.
  let docPending = false;
  let sawNewline = false;

  const fail = (msg) => { throw new Error(`${relative(ROOT, file)}:${line}: ${msg}`); };
  const push = (kind, value, startLine) => {
    tokens.push({ kind, value, line: startLine, doc: docPending, newline: sawNewline });
    docPending = false;
    sawNewline = false;
  };
  // Advances past `src[i..end)`, counting the newlines in it.
  const advance = (end) => {
    for (let nl = src.indexOf('\n', i); nl !== -1 && nl < end; nl = src.indexOf('\n', nl + 1)) line++;
    i = end;
  };
  // Skips the text of a template literal from just after its opening backtick (or after the `}` of a
  // substitution). Stops after the closing backtick, or after `${`, pushing a marker on `braces`.
  const skipTemplate = () => {
    while (i < src.length) {
      const c = src[i];
      if (c === '\\') { advance(i + 2); continue; }
      if (c === '`') { i++; return; }
      if (c === '$' && src[i + 1] === '{') { i += 2; braces.push('${'); return; }
      advance(i + 1);
    }
    fail('unterminated template literal');
  };
  // A `/` begins a regular expression unless the previous token ends an expression.
  const regexAllowed = () => {
    const prev = tokens[tokens.length - 1];
    if (!prev) return true;
    if (prev.kind === 'num' || prev.kind === 'str') return false;
    if (prev.kind === 'id') return REGEX_AFTER_KEYWORD.has(prev.value);
    return !(prev.value === ')' || prev.value === ']' || prev.value === '}');
  };

  while (i < src.length) {
    const c = src[i];
    if (c === '\n') { line++; i++; sawNewline = true; continue; }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v' || c === '\ufeff') {
      BLANKS.lastIndex = i;
      BLANKS.test(src);
      i = BLANKS.lastIndex;
      continue;
    }
    if (c === '/' && src[i + 1] === '/') {
      const end = src.indexOf('\n', i);
      i = end === -1 ? src.length : end;
      docPending = false;
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      if (end === -1) fail('unterminated comment');
      const body = src.slice(i + 2, end);
      // `/** text */` is a doc block; `/**/` and `/** */` (nothing but stars and spaces) are not.
      docPending = body.startsWith('*') && /[^\s*]/.test(body.slice(1));
      advance(end + 2);
      continue;
    }
    const startLine = line;
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\') j++;
        else if (src[j] === '\n') fail('unterminated string');
        j++;
      }
      push('str', src.slice(i + 1, j), startLine);
      advance(j + 1);
      continue;
    }
    if (c === '`') {
      i++;
      skipTemplate();
      push('str', '`', startLine);
      continue;
    }
    if (c === '/' && regexAllowed()) {
      let j = i + 1;
      let inClass = false;
      for (; j < src.length && (inClass || src[j] !== '/'); j++) {
        if (src[j] === '\\') j++;
        else if (src[j] === '[') inClass = true;
        else if (src[j] === ']') inClass = false;
        else if (src[j] === '\n') fail('unterminated regular expression');
      }
      REGEX_FLAGS.lastIndex = j + 1;
      REGEX_FLAGS.test(src);
      push('str', src.slice(i, REGEX_FLAGS.lastIndex), startLine);
      i = REGEX_FLAGS.lastIndex;
      continue;
    }
    const word = matchAt(IDENT, src, i) ?? matchAt(NUMBER, src, i);
    if (word !== null) {
      push(word === IDENT ? 'id' : 'num', src.slice(i, word.lastIndex), startLine);
      i = word.lastIndex;
      continue;
    }
    if (c === '}' && braces.at(-1) === '${') {
      braces.pop();
      i++;
      skipTemplate();
      continue;
    }
    if (c === '{') braces.push('{');
    else if (c === '}') braces.pop();
    // Only the multi-character punctuators the parser looks at are kept whole.
    const two = src.slice(i, i + 2);
    const three = src.slice(i, i + 3);
    const value = three === '...' ? three : two === '=>' || two === '?.' ? two : c;
    push('punct', value, startLine);
    i += value.length;
  }
  return tokens;
}

// ---------------------------------------------------------------------------------------------------
// 2. Declarations, imports and exports of one file
// ---------------------------------------------------------------------------------------------------

/**
 * @typedef {{ name: string, line: number, doc: boolean, override: boolean }} Member
 * @typedef {{ name: string, kind: string, line: number, doc: boolean, exported: boolean,
 *             base?: string, members?: Member[] }} Decl
 * @typedef {{ file: string, decls: Map<string, Decl[]>,
 *             localExports: Map<string, string>,                       // exported name -> local name
 *             reexports: Map<string, { from: string, name: string }>, // export { name as key } from
 *             namespaces: Map<string, string>,                        // export * as key from
 *             stars: string[],                                         // export * from
 *             imports: Map<string, { from: string, name: string }> }} FileInfo
 *   `from` is always a resolved absolute path, or null for a module outside the repository;
 *   `name` is `*` for a namespace import.
 */

const DECL_KEYWORDS = new Set(['function', 'class', 'const', 'let', 'var', 'interface', 'type', 'enum', 'namespace', 'module']);
// Words that may precede a declaration keyword.
const DECL_PREFIXES = new Set(['declare', 'abstract', 'async']);
// Class-member modifiers; `get`/`set` are handled alongside because they are modifiers in the same place.
const MEMBER_MODIFIERS = new Set(['public', 'private', 'protected', 'static', 'readonly', 'abstract', 'override', 'async', 'declare', 'accessor', 'get', 'set']);
// Tokens after which a `{` in a return-type annotation opens an object type rather than the body.
const TYPE_CONTINUES = new Set([':', '|', '&', '<', ',', '=>', '(', '[', '?', '=', 'keyof', 'typeof', 'readonly', 'extends', 'is', 'infer']);
const OPEN = { '(': ')', '[': ']', '{': '}' };

/** Index just past the bracket that closes the one at `tokens[i]`. */
function skipBracket(tokens, i) {
  const stack = [];
  for (; i < tokens.length; i++) {
    const v = tokens[i].kind === 'punct' ? tokens[i].value : '';
    if (v in OPEN) stack.push(OPEN[v]);
    else if (v === ')' || v === ']' || v === '}') {
      if (stack.pop() !== v) throw new Error(`unbalanced '${v}' at line ${tokens[i].line}`);
      if (stack.length === 0) return i + 1;
    }
  }
  throw new Error(`unclosed bracket from line ${tokens[tokens.length - 1]?.line}`);
}

/** Index just past a `<...>` type-parameter list starting at `tokens[i]` (nested `<>` counted). */
function skipAngles(tokens, i) {
  let depth = 0;
  for (; i < tokens.length; i++) {
    const v = tokens[i].value;
    if (tokens[i].kind !== 'punct') continue;
    if (v in OPEN) { i = skipBracket(tokens, i) - 1; continue; }
    if (v === '<') depth++;
    else if (v === '>' && --depth === 0) return i + 1;
  }
  throw new Error('unclosed type parameter list');
}

const isPunct = (t, value) => t !== undefined && t.kind === 'punct' && t.value === value;
const isWord = (t, value) => t !== undefined && t.kind === 'id' && t.value === value;

/**
 * Parses the body of a class starting at its `{`; returns the public-looking methods and getters
 * (private/protected members are dropped here) and the index just past the closing `}`.
 */
function parseClassBody(tokens, open) {
  /** @type {Member[]} */
  const members = [];
  let i = open + 1;
  while (!isPunct(tokens[i], '}')) {
    if (i >= tokens.length) throw new Error('unclosed class body');
    if (isPunct(tokens[i], ';')) { i++; continue; }
    const first = tokens[i];
    const mods = new Set();
    // A modifier word is one followed by something that can still start a member name; otherwise it
    // is itself the name (a method called `get`, a field called `static`).
    while (tokens[i].kind === 'id' && MEMBER_MODIFIERS.has(tokens[i].value)) {
      const next = tokens[i + 1];
      const startsName = next.kind === 'id' || next.kind === 'str' || next.kind === 'num' || isPunct(next, '[') || isPunct(next, '*')
        || (tokens[i].value === 'static' && isPunct(next, '{'));
      if (!startsName) break;
      mods.add(tokens[i].value);
      i++;
    }
    if (mods.has('static') && isPunct(tokens[i], '{')) { i = skipBracket(tokens, i); continue; }   // static block
    if (isPunct(tokens[i], '*')) i++;   // generator method
    let name;
    const nameToken = tokens[i];
    if (isPunct(nameToken, '[')) {
      const end = skipBracket(tokens, i);
      name = `[${tokens.slice(i + 1, end - 1).map((t) => t.value).join('')}]`;
      i = end;
    } else {
      name = nameToken.value;
      i++;
    }
    if (isPunct(tokens[i], '?') || isPunct(tokens[i], '!')) i++;
    const isMethod = isPunct(tokens[i], '(') || isPunct(tokens[i], '<');
    if (isMethod) {
      if (isPunct(tokens[i], '<')) i = skipAngles(tokens, i);
      i = skipBracket(tokens, i);   // parameters
      i = skipSignatureTail(tokens, i);
    } else {
      // A field (or index signature): runs to the `;` at this level, or to the class's closing `}`.
      while (!isPunct(tokens[i], ';') && !isPunct(tokens[i], '}')) {
        i = tokens[i].kind === 'punct' && tokens[i].value in OPEN ? skipBracket(tokens, i) : i + 1;
      }
    }
    const hidden = mods.has('private') || mods.has('protected') || name.startsWith('#');
    if (!isMethod || hidden || mods.has('set') || name === 'constructor') continue;
    members.push({ name, line: first.line, doc: first.doc || nameToken.doc, override: mods.has('override') });
  }
  return { members, end: i + 1 };
}

/**
 * Skips a method's optional return type and its body (or the `;` of an overload or abstract
 * signature), from just after the parameter list. Returns the index of the next member.
 */
function skipSignatureTail(tokens, i) {
  if (isPunct(tokens[i], ':')) {
    let prev = tokens[i];
    i++;
    for (;;) {
      const t = tokens[i];
      if (isPunct(t, ';') || isPunct(t, '}')) return isPunct(t, ';') ? i + 1 : i;
      if (isPunct(t, '{') && !TYPE_CONTINUES.has(prev.value)) break;   // the body
      if (t.kind === 'punct' && t.value in OPEN) {
        i = skipBracket(tokens, i);
        prev = tokens[i - 1];
        continue;
      }
      // A signature without `;` ends where the next member starts on a new line.
      if (t.newline && prev.kind !== 'punct' && t.kind === 'id' && !TYPE_CONTINUES.has(prev.value)) return i;
      prev = t;
      i++;
    }
  }
  if (isPunct(tokens[i], '{')) return skipBracket(tokens, i);
  return isPunct(tokens[i], ';') ? i + 1 : i;
}

/**
 * Parses one file's top level into its declarations, imports and exports.
 * @param {string} file  absolute path
 * @returns {FileInfo}
 */
function parseFile(file) {
  const tokens = tokenize(readFileSync(file, 'utf8'), file);
  try {
    return parseTokens(file, tokens);
  } catch (e) {
    throw new Error(`${relative(ROOT, file)}: ${e.message}`);
  }
}

/** {@link parseFile} after tokenizing: walks the top-level statements. */
function parseTokens(file, tokens) {
  /** @type {FileInfo} */
  const info = {
    file, decls: new Map(), localExports: new Map(), reexports: new Map(), namespaces: new Map(), stars: [], imports: new Map(),
  };
  const addDecl = (decl) => {
    if (!info.decls.has(decl.name)) info.decls.set(decl.name, []);
    info.decls.get(decl.name).push(decl);
  };

  // Parses `{ a, b as c, type d }` at `tokens[i]`; returns [[localOrImported, exported], ...] and the end.
  const parseNameList = (i) => {
    const pairs = [];
    const end = skipBracket(tokens, i);
    for (let j = i + 1; j < end - 1; j++) {
      if (isPunct(tokens[j], ',')) continue;
      if (isWord(tokens[j], 'type') && tokens[j + 1].kind === 'id' && !isWord(tokens[j + 1], 'as')) j++;
      const inner = tokens[j].value;
      let outer = inner;
      if (isWord(tokens[j + 1], 'as')) { outer = tokens[j + 2].value; j += 2; }
      pairs.push([inner, outer]);
    }
    return { pairs, end };
  };
  // `from 'x'` at `tokens[i]`, if present: the resolved module and the index after it.
  const parseFrom = (i) => (isWord(tokens[i], 'from') ? { from: resolveModule(file, tokens[i + 1].value), end: i + 2 } : { from: undefined, end: i });

  // Parses a declaration whose keyword (after any prefixes) is at `tokens[k]`; `start` is its first token.
  const parseDecl = (start, k, exported) => {
    let keyword = tokens[k].value;
    if (keyword === 'const' && isWord(tokens[k + 1], 'enum')) { keyword = 'enum'; k++; }
    let n = k + 1;
    if (keyword === 'function' && isPunct(tokens[n], '*')) n++;
    const nameToken = tokens[n];
    // Destructuring (`const { a } = ...`) has no single name to check.
    if (nameToken?.kind !== 'id') return n;
    const doc = tokens.slice(start, n + 1).some((t) => t.doc);
    const decl = { name: nameToken.value, kind: keyword, line: tokens[start].line, doc, exported };
    if (keyword === 'class') {
      // Find the body, noting the base class after `extends` (`extends Base<T>` gives `Base`).
      let j = n + 1;
      while (!isPunct(tokens[j], '{')) {
        if (isWord(tokens[j], 'extends') && !decl.base) decl.base = tokens[j + 1].value;
        j = isPunct(tokens[j], '<') ? skipAngles(tokens, j) : isPunct(tokens[j], '(') ? skipBracket(tokens, j) : j + 1;
      }
      const body = parseClassBody(tokens, j);
      decl.members = body.members;
      addDecl(decl);
      return body.end;
    }
    addDecl(decl);
    return n + 1;
  };

  // Whether `tokens[i]` can begin a statement: after `;` or `}`, at the start, or on a new line after
  // something that ends an expression (automatic semicolon insertion).
  const statementStart = (i) => {
    const prev = tokens[i - 1];
    if (!prev || isPunct(prev, ';') || isPunct(prev, '}')) return true;
    return tokens[i].newline && (prev.kind !== 'punct' || prev.value === ')' || prev.value === ']');
  };
  // Index of the declaration keyword when `tokens[i..]` reads `[declare|abstract|async|default]* keyword`.
  const declKeywordAt = (i) => {
    let k = i;
    while (tokens[k]?.kind === 'id' && DECL_PREFIXES.has(tokens[k].value)) k++;
    const t = tokens[k];
    if (t?.kind !== 'id' || !DECL_KEYWORDS.has(t.value)) return -1;
    // `type` and `module`/`namespace` are also ordinary identifiers; they declare only before a name.
    if ((t.value === 'type' || t.value === 'namespace' || t.value === 'module') && tokens[k + 1]?.kind !== 'id') return -1;
    return k;
  };

  let i = 0;
  while (i < tokens.length) {
    const t = tokens[i];
    if (t.kind === 'punct' && t.value in OPEN) { i = skipBracket(tokens, i); continue; }
    if (isWord(t, 'import') && !isPunct(tokens[i + 1], '(') && !isPunct(tokens[i + 1], '.')) {
      // import [type] [Default][, ] [{ a as b } | * as ns] from 'x'   |   import 'x'
      let j = i + 1;
      if (isWord(tokens[j], 'type') && !isPunct(tokens[j + 1], ',') && !isWord(tokens[j + 1], 'from')) j++;
      const bindings = [];
      while (!isWord(tokens[j], 'from') && tokens[j].kind !== 'str') {
        if (isPunct(tokens[j], '{')) {
          const list = parseNameList(j);
          for (const [imported, local] of list.pairs) bindings.push([local, imported]);
          j = list.end;
        } else if (isPunct(tokens[j], '*')) {
          bindings.push([tokens[j + 2].value, '*']);
          j += 3;
        } else if (tokens[j].kind === 'id') {
          bindings.push([tokens[j].value, 'default']);
          j++;
        } else j++;
      }
      if (isWord(tokens[j], 'from')) j++;
      const from = resolveModule(file, tokens[j].value);
      for (const [local, name] of bindings) info.imports.set(local, { from, name });
      i = j + 1;
      continue;
    }
    if (isWord(t, 'export')) {
      let j = i + 1;
      if (isWord(tokens[j], 'type') && isPunct(tokens[j + 1], '{')) j++;
      if (isPunct(tokens[j], '{')) {
        const list = parseNameList(j);
        const { from, end } = parseFrom(list.end);
        for (const [inner, outer] of list.pairs) {
          if (from === undefined) info.localExports.set(outer, inner);
          else info.reexports.set(outer, { from, name: inner });
        }
        i = end;
        continue;
      }
      if (isPunct(tokens[j], '*')) {
        if (isWord(tokens[j + 1], 'as')) {
          const { from, end } = parseFrom(j + 3);
          info.namespaces.set(tokens[j + 2].value, from);
          i = end;
        } else {
          const { from, end } = parseFrom(j + 1);
          info.stars.push(from);
          i = end;
        }
        continue;
      }
      const k = declKeywordAt(j);
      if (k !== -1) { i = parseDecl(i, k, true); continue; }
      i = j;   // `export default ...` or `export =`: not followed (see the header)
      continue;
    }
    if (t.kind === 'id' && statementStart(i)) {
      const k = declKeywordAt(i);
      if (k !== -1) { i = parseDecl(i, k, false); continue; }
    }
    i++;
  }
  return info;
}

// ---------------------------------------------------------------------------------------------------
// 3. Modules: resolving specifiers and exported names to declarations
// ---------------------------------------------------------------------------------------------------

/** The packages of the repository: name -> { entries: subpath -> absolute source file }. */
function readPackages() {
  const packages = new Map();
  const base = join(ROOT, 'packages');
  for (const dir of readdirSync(base)) {
    const manifest = join(base, dir, 'package.json');
    if (!existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
    const entries = new Map();
    for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
      if (typeof target === 'object' && target !== null && typeof target.source === 'string') {
        entries.set(subpath, join(base, dir, target.source));
      }
    }
    packages.set(pkg.name, { entries });
  }
  return packages;
}
const PACKAGES = readPackages();

/**
 * The absolute source file a specifier names, or null for a module outside the repository. Relative
 * `./x.js` maps to `./x.ts` (the nodenext convention); `@simplegrad/x[/sub]` maps through that
 * package's `source` export.
 */
function resolveModule(fromFile, specifier) {
  if (specifier.startsWith('.')) {
    const target = resolve(dirname(fromFile), specifier);
    const candidates = [target.replace(/\.(m?)js$/, '.$1ts'), `${target}.ts`, join(target, 'index.ts'), target];
    const found = candidates.find((c) => c.endsWith('ts') && existsSync(c));
    if (!found) throw new Error(`cannot resolve '${specifier}'`);   // parseFile adds the file name
    return found;
  }
  for (const [name, pkg] of PACKAGES) {
    if (specifier === name || specifier.startsWith(`${name}/`)) {
      return pkg.entries.get(`.${specifier.slice(name.length)}`) ?? null;
    }
  }
  return null;
}

/** @type {Map<string, FileInfo>} */
const fileCache = new Map();
/** The parsed file, read once. */
function fileInfo(file) {
  if (!fileCache.has(file)) fileCache.set(file, parseFile(file));
  return fileCache.get(file);
}

/**
 * @typedef {{ file: string, name: string } | { namespace: string }} Target
 *   a declaration (the name it is declared under in `file`), or a whole module (`export * as ns`).
 */

/**
 * What `name`, exported from `file`, refers to; null if it is not exported there or comes from
 * outside the repository. `seen` stops `export *` cycles.
 * @returns {Target | null}
 */
function resolveExport(file, name, seen = new Set()) {
  if (file === null || seen.has(file)) return null;
  seen.add(file);
  const info = fileInfo(file);
  if (info.decls.get(name)?.some((d) => d.exported)) return { file, name };
  if (info.localExports.has(name)) return resolveLocal(file, info.localExports.get(name));
  if (info.reexports.has(name)) {
    const r = info.reexports.get(name);
    return r.name === 'default' ? null : resolveExport(r.from, r.name);
  }
  if (info.namespaces.has(name)) return info.namespaces.get(name) === null ? null : { namespace: info.namespaces.get(name) };
  if (name === 'default') return null;   // `export *` never re-exports a default
  for (const from of info.stars) {
    const found = resolveExport(from, name, seen);
    if (found) return found;
  }
  return null;
}

/** What the identifier `name` means at the top level of `file`: its own declaration or an import. */
function resolveLocal(file, name) {
  const info = fileInfo(file);
  if (info.decls.has(name)) return { file, name };
  const imp = info.imports.get(name);
  if (!imp || imp.from === null) return null;
  return imp.name === '*' ? { namespace: imp.from } : resolveExport(imp.from, imp.name);
}

/** Every name `file` exports, including those that arrive through `export *`. */
function exportedNames(file, seen = new Set()) {
  if (file === null || seen.has(file)) return new Set();
  seen.add(file);
  const info = fileInfo(file);
  const names = new Set([...info.localExports.keys(), ...info.reexports.keys(), ...info.namespaces.keys()]);
  for (const [name, decls] of info.decls) if (decls.some((d) => d.exported)) names.add(name);
  for (const from of info.stars) {
    for (const name of exportedNames(from, seen)) if (name !== 'default') names.add(name);
  }
  return names;
}

// ---------------------------------------------------------------------------------------------------
// 4. The check
// ---------------------------------------------------------------------------------------------------

/** @typedef {{ file: string, line: number, name: string, doc: boolean }} Checked */

/**
 * Collects every public declaration reachable from the entry files: key `file#name` -> the name a
 * reader would look for (`init.kaimingUniform`, `Foo (exported as Bar)`).
 */
function publicDeclarations(entries) {
  const found = new Map();
  const visitedModules = new Set();
  const visitModule = (file, prefix) => {
    if (visitedModules.has(file)) return;
    visitedModules.add(file);
    for (const exported of exportedNames(file)) {
      const target = resolveExport(file, exported);
      if (target === null) continue;
      if ('namespace' in target) { visitModule(target.namespace, `${prefix}${exported}.`); continue; }
      const key = `${target.file}#${target.name}`;
      if (found.has(key)) continue;
      const label = exported === target.name ? `${prefix}${exported}` : `${target.name} (exported as ${prefix}${exported})`;
      found.set(key, { ...target, label });
    }
  };
  for (const entry of entries) visitModule(entry, '');
  return [...found.values()];
}

/**
 * The chain of classes `decl` inherits from, as far as it stays inside the repository:
 * [{ file, decl }, ...], nearest first.
 */
function ancestors(file, decl) {
  const chain = [];
  const seen = new Set();
  let current = { file, decl };
  while (current.decl.base) {
    const target = resolveLocal(current.file, current.decl.base);
    if (!target || 'namespace' in target) break;
    const base = fileInfo(target.file).decls.get(target.name)?.find((d) => d.kind === 'class');
    const key = `${target.file}#${target.name}`;
    if (!base || seen.has(key)) break;
    seen.add(key);
    current = { file: target.file, decl: base };
    chain.push(current);
  }
  return chain;
}

/**
 * Runs the check from the given entry files: every public declaration and member, in file order,
 * with whether it has its doc comment.
 * @returns {Checked[]}
 */
function checkDocs(entries) {
  /** @type {Checked[]} */
  const checked = [];
  const checkedClasses = new Set();

  // The members of one class, named `Class.member` after the declared class name.
  const checkMembers = (file, decl) => {
    const key = `${file}#${decl.name}`;
    if (checkedClasses.has(key)) return;
    checkedClasses.add(key);
    const chain = ancestors(file, decl);
    const seenMembers = new Set();
    for (const member of decl.members) {
      // Overloads and a getter's paired declarations share one doc: check the first only.
      if (seenMembers.has(member.name)) continue;
      seenMembers.add(member.name);
      const inherited = member.override && chain.some((a) => a.decl.members.some((m) => m.name === member.name && m.doc));
      checked.push({ file, line: member.line, name: `${decl.name}.${member.name}`, doc: member.doc || inherited });
    }
    // Public members of an unexported base class are public through every subclass.
    for (const a of chain) checkMembers(a.file, a.decl);
  };

  for (const { file, name, label } of publicDeclarations(entries)) {
    const decls = fileInfo(file).decls.get(name) ?? [];
    // One doc per kind of declaration: function overloads share the first one's, but a type and a
    // value of the same name each need their own.
    const firstOfKind = new Map();
    for (const d of decls) if (!firstOfKind.has(d.kind)) firstOfKind.set(d.kind, d);
    for (const d of firstOfKind.values()) {
      checked.push({ file, line: d.line, name: label, doc: d.doc });
      if (d.kind === 'class') checkMembers(file, d);
    }
  }
  // Plain code-unit order: `localeCompare` would load ICU collation for nothing.
  return checked.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
}

// ---------------------------------------------------------------------------------------------------
// 5. Main
// ---------------------------------------------------------------------------------------------------

const started = performance.now();
const list = process.argv.includes('--list');
let checked;
try {
  const given = process.argv.slice(2).filter((a) => !a.startsWith('--')).map((a) => resolve(a));
  checked = checkDocs(given.length > 0 ? given : [...PACKAGES.values()].flatMap((pkg) => [...pkg.entries.values()]));
} catch (e) {
  console.error(`check-docs: cannot read the sources: ${e.message}`);
  process.exit(2);
}
const missing = checked.filter((c) => !c.doc);
for (const c of list ? checked : missing) console.log(`${relative(ROOT, c.file)}:${c.line}  ${c.name}${list && c.doc ? '  ok' : ''}`);
const ms = Math.round(performance.now() - started);
const scope = `${checked.length} public declarations and members in ${fileCache.size} file${fileCache.size === 1 ? '' : 's'}`;
console.log(missing.length === 0
  ? `check-docs: all ${scope} have doc comments (${ms} ms)`
  : `check-docs: ${missing.length} of ${scope} lack a doc comment (${ms} ms)`);
process.exit(missing.length === 0 ? 0 : 1);
