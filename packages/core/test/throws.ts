/** The error assertion shared by the core tests: the error's type and its text, not just "it throws". */
import * as assert from 'uvu/assert';

/** Asserts that `fn` throws an instance of `type` whose message equals `message` (or matches the regex). */
export function throwsWith(fn: () => unknown, type: new (...a: never[]) => Error, message: string | RegExp): void {
  try {
    fn();
  } catch (e) {
    assert.instance(e, type, `expected a ${type.name}, got ${(e as Error).name}: ${(e as Error).message}`);
    const msg = (e as Error).message;
    if (typeof message === 'string') assert.is(msg, message);
    else assert.match(msg, message);
    return;
  }
  assert.unreachable(`expected ${type.name}: ${String(message)}`);
}
