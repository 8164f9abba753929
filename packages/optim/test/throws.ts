/** The error assertion shared by the optim tests: the exact message, not just "it throws". */
import * as sg from '@simplegrad/core';
import { throwsWith } from '../../core/test/throws.js';

/** Asserts that `fn` throws an `ArgumentError` (or `type`) whose message is exactly `message`. */
export function throwsExactly(fn: () => unknown, message: string, type: new (...a: never[]) => Error = sg.ArgumentError): void {
  throwsWith(fn, type, message);
}
