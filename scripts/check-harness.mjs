/**
 * What the CI check scripts share (browser-test, browser-threads-test, check-packages): named checks
 * that record pass/fail and print `ok`/`FAIL` lines, the closing `N passed, N failed` line, and how
 * Debian's Chromium is launched (TOOLCHAIN.md §8: no sandbox in containers, no GPU, nothing that
 * phones home; playwright-core drives it and downloads no browser).
 */

/** Where Chromium is (`CHROMIUM=/path` overrides Debian's). */
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Chromium's command-line flags for headless runs here. */
export const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Throws `message` unless `cond`: how a check fails. */
export function expect(cond, message) {
  if (!cond) throw new Error(message);
}

/**
 * A list of named checks. `check(name, fn)` runs `fn` (sync or async); a throw fails the check, a
 * returned string is printed after the name. `finish()` prints the totals and exits: 0 only if every
 * check passed and at least one ran.
 */
export function checks() {
  const results = [];
  return {
    results,
    async check(name, fn) {
      try {
        const note = await fn();
        results.push(true);
        console.log(`ok   ${name}${typeof note === 'string' && note ? ` (${note})` : ''}`);
      } catch (e) {
        results.push(false);
        console.log(`FAIL ${name}\n     ${String(e instanceof Error ? e.message : e).replace(/\n/g, '\n     ')}`);
      }
    },
    /** Records a failure that no check function caught (e.g. a watchdog). */
    fail(message) {
      results.push(false);
      console.log(`FAIL ${message}`);
    },
    finish(label = '') {
      const passed = results.filter(Boolean).length;
      console.log(`${label}${passed} passed, ${results.length - passed} failed`);
      process.exit(passed === results.length && passed > 0 ? 0 : 1);
    },
  };
}
