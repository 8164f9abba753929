/** The error assertion shared by the optim tests: the exact message, not just "it throws". */
import * as assert from 'uvu/assert';
import * as sg from '@simplegrad/core';

/** Asserts that `fn` throws an `ArgumentError` (or `type`) whose message is exactly `message`. */
export function throwsExactly(fn: () => unknown, message: string, type: new (...a: never[]) => Error = sg.ArgumentError): void {
  try {
    fn();
  } catch (e) {
    assert.instance(e, type, `expected a ${type.name} for: ${message}`);
    assert.is((e as Error).message, message);
    return;
  }
  assert.unreachable(`expected an error: ${message}`);
}
