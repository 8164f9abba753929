/**
 * Gives the event loop a turn: pending messages, timers and rendering run before training goes on.
 * A macrotask, not a microtask (a resolved promise would not let anything else run). `setImmediate`
 * where it exists (Node, Bun, Deno), else a `MessageChannel` message (browsers and workers; unlike
 * `setTimeout(0)` it is not clamped to 4 ms when nested), else `setTimeout`.
 */
/** Runs `fn` in a later macrotask. */
export type Schedule = (fn: () => void) => void;

/** The globals {@link pickSchedule} looks at (a parameter, so each branch can be tested). */
export interface ScheduleGlobals {
  setImmediate?: (fn: () => void) => unknown;
  MessageChannel?: typeof MessageChannel;
}

/** The best macrotask scheduler `g` offers (see the module comment). */
export function pickSchedule(g: ScheduleGlobals): Schedule {
  if (typeof g.setImmediate === 'function') return (fn) => { g.setImmediate!(fn); };
  if (typeof g.MessageChannel === 'function') {
    const channel = new g.MessageChannel();
    const queue: (() => void)[] = [];
    channel.port1.onmessage = () => queue.shift()?.();
    // Node's ports keep a process alive while they listen; browsers have no unref.
    (channel.port1 as { unref?: () => void }).unref?.();
    return (fn) => { queue.push(fn); channel.port2.postMessage(0); };
  }
  return (fn) => { setTimeout(fn, 0); };
}

let schedule: Schedule | undefined;

/** Resolves after one turn of the event loop (see the module comment). */
export function yieldToEventLoop(): Promise<void> {
  schedule ??= pickSchedule(globalThis as ScheduleGlobals);
  return new Promise((resolve) => schedule!(resolve));
}
