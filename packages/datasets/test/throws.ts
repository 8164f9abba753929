/** The error assertions shared by the datasets tests: the error's type and its text, not just "it throws". */
import * as assert from 'uvu/assert';

type ErrorType = abstract new (...a: never[]) => Error;

/** Asserts that `fn` throws an error of `type` whose message contains every string of `parts`. */
export function throwsWith(fn: () => unknown, type: ErrorType, ...parts: string[]): void {
  try {
    fn();
  } catch (e) {
    assert.instance(e, type, `expected ${type.name}, got ${(e as Error).name}: ${(e as Error).message}`);
    for (const p of parts) assert.ok((e as Error).message.includes(p), `message "${(e as Error).message}" lacks "${p}"`);
    return;
  }
  assert.unreachable(`expected ${type.name} mentioning ${parts.join(', ')}`);
}

/** Asserts that `promise` rejects with an error of `type` whose message contains every string of `parts`. */
export async function rejectsWith(promise: Promise<unknown>, type: ErrorType, ...parts: string[]): Promise<void> {
  let error: unknown;
  let rejected = false;
  await promise.then(() => undefined, (e: unknown) => { rejected = true; error = e; });
  throwsWith(() => { if (rejected) throw error; }, type, ...parts);
}
