/**
 * Resumable training in one file. A checkpoint is a safetensors container: the model's tensors under
 * `model.<key>`, the optimizer's per-parameter buffers (moments, momentum) as tensors under
 * `optimizer.state.<index>.<field>` (binary, so NaN survives and size stays that of the tensors),
 * and one JSON metadata entry with everything small: parameter groups and steps, the schedulers,
 * the data loader's position and shuffle state, the global generator's state, and `extra`.
 *
 * The optimizer, schedulers and loader are taken through their `stateDict()` / `loadStateDict()`,
 * so nn needs neither optim nor datasets.
 */
import { SimplegradError, Tensor, checkGeneratorState, checkKnownOptions, defaultGenerator, fmtValue } from '@simplegrad/core';
import { Module, type StateDict } from './module.js';
import { readSafetensors, saveSafetensors } from './safetensors.js';

/** Anything with a state dict: an optimizer, an LR scheduler, a DataLoader. */
export interface Stateful {
  /** Its state as plain data. */
  stateDict(): unknown;
  /** Restores a state from `stateDict()`, validating it before changing anything. */
  loadStateDict(state: never): unknown;
}

/** What {@link saveCheckpoint} saves; every part is optional. */
export interface CheckpointContents {
  /** The model: its parameters and persistent buffers. */
  model?: Module;
  /** The optimizer (its buffers are stored as tensors). */
  optimizer?: Stateful;
  /** One LR scheduler or several (chained), loaded back in the same order. */
  scheduler?: Stateful | readonly Stateful[];
  /** The data loader: its position in the epoch and its shuffle state. */
  loader?: Stateful;
  /** Anything JSON can hold (epoch, best metric, config...); NaN and ±Infinity survive. Returned by loadCheckpoint. */
  extra?: unknown;
}

/** What {@link loadCheckpoint} restores in place: the objects to load into, built as for the saved run. */
export type CheckpointTargets = Omit<CheckpointContents, 'extra'>;

/**
 * A checkpoint that cannot be written or read: not a checkpoint, a different version, a missing
 * part, a malformed entry. Errors of the parts themselves keep their own types (a model that does
 * not fit gives a `StateDictError`, malformed bytes a `SafetensorsError`).
 *
 * @example
 * try { loadCheckpoint(bytes, { model }); } catch (e) { if (e instanceof CheckpointError) console.error(e.message); }
 */
export class CheckpointError extends SimplegradError {}

const FORMAT = 'simplegrad-checkpoint';
const VERSION = '1';
const TARGET_KEYS = ['model', 'optimizer', 'scheduler', 'loader'];
/** JSON markers: a tensor reference, and a non-finite number (JSON has no NaN or Infinity). */
const TENSOR = '$tensor';
const NUMBER = '$number';
/** Deepest nesting accepted in the JSON part: real states nest 5 or 6 deep; `extra` gets the rest. */
const MAX_DEPTH = 256;

/** The JSON part of a checkpoint. */
interface Saved {
  optimizer?: unknown;
  scheduler?: unknown[];
  loader?: unknown;
  generator: unknown;
  extra?: unknown;
  model?: true;
}

/** A number array or typed array (an optimizer buffer), as opposed to other JSON. */
function isBuffer(v: unknown): v is ArrayLike<number> {
  if (v instanceof Float32Array || v instanceof Float64Array) return true;
  return Array.isArray(v) && v.every((x) => typeof x === 'number');
}

/**
 * A buffer as a tensor: float32 when every value is one exactly (moments of float32 parameters
 * are), else float64, so nothing is rounded and the file stays as small as the parameters.
 */
function bufferTensor(v: ArrayLike<number>): Tensor {
  if (v instanceof Float32Array || v instanceof Float64Array) return new Tensor(v.slice(), [v.length]);
  let exact = true;
  for (let i = 0; i < v.length && exact; i++) exact = Object.is(Math.fround(v[i]), v[i]) || Number.isNaN(v[i]);
  return new Tensor(exact ? Float32Array.from(v) : Float64Array.from(v), [v.length]);
}

function isStateful(v: unknown): v is Stateful {
  return typeof v === 'object' && v !== null && typeof (v as Stateful).stateDict === 'function' && typeof (v as Stateful).loadStateDict === 'function';
}

function schedulers(op: string, s: CheckpointTargets['scheduler']): readonly Stateful[] {
  if (s === undefined) return [];
  const list = Array.isArray(s) ? s : [s];
  list.forEach((x, i) => {
    if (!isStateful(x)) throw new CheckpointError(op, `scheduler${Array.isArray(s) ? `[${i}]` : ''} must have stateDict() and loadStateDict(), got ${fmtValue(x)}`);
  });
  return list as readonly Stateful[];
}

function checkParts(op: string, parts: CheckpointTargets): void {
  if (parts.model !== undefined && !(parts.model instanceof Module)) throw new CheckpointError(op, `model must be a Module, got ${fmtValue(parts.model)}`);
  for (const k of ['optimizer', 'loader'] as const) {
    if (parts[k] !== undefined && !isStateful(parts[k])) throw new CheckpointError(op, `${k} must have stateDict() and loadStateDict(), got ${fmtValue(parts[k])}`);
  }
}

/**
 * Saves everything needed to resume training exactly into one safetensors file: the model's
 * tensors, the optimizer's state (its buffers as tensors), the schedulers', the data loader's
 * position and shuffle state, the global generator (dropout, init, shuffling) and `extra`. Its
 * size is the tensors' plus a few KB. Call it between steps.
 *
 * @example
 * const bytes = saveCheckpoint({ model, optimizer: opt, scheduler: sched, loader, extra: { epoch } });
 * writeFileSync('run.ckpt.safetensors', bytes);
 */
export function saveCheckpoint(contents: CheckpointContents): Uint8Array {
  const op = 'saveCheckpoint';
  checkKnownOptions(op, contents, [...TARGET_KEYS, 'extra']);
  checkParts(op, contents);
  const tensors: StateDict = new Map();
  const saved: Saved = { generator: defaultGenerator().getState() };
  if (contents.model !== undefined) {
    saved.model = true;
    for (const [k, t] of contents.model.stateDict()) tensors.set(`model.${k}`, t);
  }
  if (contents.optimizer !== undefined) {
    const sd = contents.optimizer.stateDict() as { state?: unknown };
    // Per-parameter buffers become tensors; hyperparameters and counters stay JSON.
    if (typeof sd === 'object' && sd !== null && typeof sd.state === 'object' && sd.state !== null) {
      const state: Record<string, unknown> = {};
      for (const [i, entry] of Object.entries(sd.state as Record<string, unknown>)) {
        if (typeof entry !== 'object' || entry === null) { state[i] = entry; continue; }
        state[i] = Object.fromEntries(Object.entries(entry).map(([field, v]) => {
          if (!isBuffer(v)) return [field, v];
          const name = `optimizer.state.${i}.${field}`;
          tensors.set(name, bufferTensor(v));
          return [field, { [TENSOR]: name }];
        }));
      }
      saved.optimizer = { ...sd, state };
    } else {
      saved.optimizer = sd;
    }
  }
  const scheds = schedulers(op, contents.scheduler);
  if (contents.scheduler !== undefined) saved.scheduler = scheds.map((s) => s.stateDict());
  if (contents.loader !== undefined) saved.loader = contents.loader.stateDict();
  if (contents.extra !== undefined) saved.extra = contents.extra;
  let json: string;
  try {
    json = JSON.stringify(saved, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? { [NUMBER]: String(v) } : v));
  } catch (e) {
    throw new CheckpointError(op, `extra (or a part's state) cannot be written as JSON: ${(e as Error).message}`);
  }
  if (nestingDepth(json) > MAX_DEPTH) throw new CheckpointError(op, `extra nests deeper than ${MAX_DEPTH - 2} levels, which loadCheckpoint refuses`);
  return saveSafetensors(tensors, { metadata: { format: FORMAT, version: VERSION, state: json } });
}

/**
 * Loads a checkpoint from {@link saveCheckpoint} into freshly built objects (the same model class,
 * an optimizer over its parameters, schedulers and a loader built as in the saved run), and
 * returns the saved `extra`. Everything the checkpoint holds for the given targets is validated
 * before anything changes: on any error, no target and not the global generator has changed. The
 * global generator is restored too, so dropout and shuffling continue as if never interrupted:
 * the rest of the run is bit-identical to an uninterrupted one.
 *
 * @example
 * const model = new Net(); const opt = new Adam(model.parameters()); const loader = new DataLoader(train, { batchSize: 64, shuffle: true });
 * const { epoch } = loadCheckpoint(readFileSync('run.ckpt.safetensors'), { model, optimizer: opt, loader }) as { epoch: number };
 */
export function loadCheckpoint(bytes: Uint8Array | ArrayBuffer, targets: CheckpointTargets = {}): unknown {
  const op = 'loadCheckpoint';
  checkKnownOptions(op, targets, TARGET_KEYS);
  checkParts(op, targets);
  const scheds = schedulers(op, targets.scheduler);
  const { tensors, metadata } = readSafetensors(op, bytes);
  if (metadata.format !== FORMAT) throw new CheckpointError(op, `not a simplegrad checkpoint (metadata format ${fmtValue(metadata.format)}); for plain weights use loadSafetensors`);
  if (metadata.version !== VERSION) throw new CheckpointError(op, `checkpoint version ${fmtValue(metadata.version)} is not supported (this reader reads version ${VERSION})`);
  const text = metadata.state ?? '';
  // The walks below (JSON.parse's reviver, resolveTensors) recurse: bound the nesting first.
  if (nestingDepth(text) > MAX_DEPTH) throw new CheckpointError(op, `the checkpoint's state nests deeper than ${MAX_DEPTH} levels`);
  let saved: Saved;
  try {
    saved = JSON.parse(text, (_k, v: unknown) => {
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
        const keys = Object.keys(v);
        if (keys.length === 1 && keys[0] === NUMBER) return Number((v as Record<string, unknown>)[NUMBER]);
      }
      return v;
    }) as Saved;
  } catch (e) {
    throw new CheckpointError(op, `the checkpoint's state is not valid JSON (${(e as Error).message})`);
  }
  if (typeof saved !== 'object' || saved === null) throw new CheckpointError(op, 'the checkpoint\'s state must be a JSON object');
  const missing = (part: string): never => { throw new CheckpointError(op, `the checkpoint has no ${part} state, but a ${part} was given to load into`); };

  // 1. Validate what can be validated without side effects.
  const used = new Set<string>();
  let commitModel = (): void => undefined;
  if (targets.model !== undefined) {
    if (saved.model !== true) missing('model');
    const sd: StateDict = new Map();
    for (const [k, t] of tensors) if (k.startsWith('model.')) { sd.set(k.slice(6), t); used.add(k); }
    commitModel = targets.model.planLoad(sd).commit;
  } else {
    for (const k of tensors.keys()) if (k.startsWith('model.')) used.add(k);
  }
  let optimizerState: unknown;
  if (targets.optimizer !== undefined) {
    if (saved.optimizer === undefined) missing('optimizer');
    optimizerState = resolveTensors(op, saved.optimizer, tensors, used);
  }
  for (const k of tensors.keys()) {
    if (!used.has(k) && !(targets.optimizer === undefined && k.startsWith('optimizer.state.'))) throw new CheckpointError(op, `unexpected tensor "${k.slice(0, 80)}" in the checkpoint (neither a model tensor nor an optimizer buffer it references)`);
  }
  if (targets.scheduler !== undefined) {
    if (!Array.isArray(saved.scheduler)) missing('scheduler');
    if ((saved.scheduler as unknown[]).length !== scheds.length) {
      throw new CheckpointError(op, `the checkpoint has ${(saved.scheduler as unknown[]).length} scheduler state(s) but ${scheds.length} scheduler(s) were given`);
    }
  }
  if (targets.loader !== undefined && saved.loader === undefined) missing('loader');
  const generator = checkGeneratorState(op, 'the saved global generator', saved.generator);

  // 2. Load the parts that validate themselves, undoing the earlier ones if a later one refuses.
  const parts: [Stateful, unknown][] = [];
  if (targets.optimizer !== undefined) parts.push([targets.optimizer, optimizerState]);
  scheds.forEach((s, i) => parts.push([s, (saved.scheduler as unknown[])[i]]));
  if (targets.loader !== undefined) parts.push([targets.loader, saved.loader]);
  const undo: [Stateful, unknown][] = [];
  try {
    for (const [target, state] of parts) {
      const before = target.stateDict();
      target.loadStateDict(state as never);
      undo.push([target, before]);
    }
  } catch (e) {
    for (const [target, before] of undo.reverse()) target.loadStateDict(before as never);
    throw e;
  }

  // 3. Nothing can fail any more.
  commitModel();
  defaultGenerator().setState(generator);
  return saved.extra;
}

/** How deep a JSON text's arrays and objects nest (brackets inside strings do not count). */
function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) max = Math.max(max, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/** A copy of `v` with every `{ $tensor: name }` replaced by that tensor's data (marking it used). */
function resolveTensors(op: string, v: unknown, tensors: StateDict, used: Set<string>): unknown {
  if (Array.isArray(v)) return v.map((x) => resolveTensors(op, x, tensors, used));
  if (typeof v !== 'object' || v === null) return v;
  const keys = Object.keys(v);
  if (keys.length === 1 && keys[0] === TENSOR) {
    const name = (v as Record<string, unknown>)[TENSOR];
    const t = typeof name === 'string' ? tensors.get(name) : undefined;
    if (t === undefined || !name || !String(name).startsWith('optimizer.')) {
      throw new CheckpointError(op, `the optimizer state refers to a tensor ${fmtValue(name)} that the checkpoint does not hold`);
    }
    used.add(name as string);
    return t.data;
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolveTensors(op, x, tensors, used)]));
}
