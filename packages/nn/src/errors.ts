/**
 * The typed errors nn throws on top of core's (`ShapeError`, `ArgumentError`, ...): one for state
 * dicts that do not fit a model, one for malformed safetensors bytes. Both carry the details as
 * fields so callers can react without parsing the message.
 */
import { SimplegradError, fmtShape } from '@simplegrad/core';

/** A key whose tensor has a different shape in the checkpoint than in the model. */
export interface ShapeMismatch {
  /** The state-dict key, e.g. `'fc.weight'`. */
  readonly key: string;
  /** The shape the model has. */
  readonly expected: readonly number[];
  /** The shape the checkpoint has. */
  readonly got: readonly number[];
}

/**
 * A state dict that does not fit the model. Lists every problem at once (like PyTorch's
 * `Error(s) in loading state_dict`), so one failed load tells the whole story.
 *
 * @example
 * try { model.loadStateDict(sd); } catch (e) {
 *   if (e instanceof StateDictError) console.log(e.missingKeys, e.unexpectedKeys, e.shapeMismatches);
 * }
 */
export class StateDictError extends SimplegradError {
  /** Keys the model has but the state dict lacks (reported only when strict). */
  readonly missingKeys: readonly string[];
  /** Keys the state dict has but the model lacks (reported only when strict). */
  readonly unexpectedKeys: readonly string[];
  /** Keys present in both with different shapes (always an error, as in PyTorch). */
  readonly shapeMismatches: readonly ShapeMismatch[];

  constructor(model: string, missing: readonly string[], unexpected: readonly string[], mismatches: readonly ShapeMismatch[]) {
    const lines = [`error(s) in loading the state dict for ${model}:`];
    if (missing.length > 0) lines.push(`  missing keys: ${missing.map((k) => `"${k}"`).join(', ')}`);
    if (unexpected.length > 0) lines.push(`  unexpected keys: ${unexpected.map((k) => `"${k}"`).join(', ')}`);
    for (const m of mismatches) {
      lines.push(`  size mismatch for "${m.key}": the checkpoint has shape ${fmtShape(m.got)}, the model has shape ${fmtShape(m.expected)}`);
    }
    super('loadStateDict', lines.join('\n'));
    this.missingKeys = missing;
    this.unexpectedKeys = unexpected;
    this.shapeMismatches = mismatches;
  }
}

/**
 * Bytes that are not a valid safetensors file (truncated, bad header, unknown dtype, offsets out of
 * range...), or a state dict that cannot be written as one. `op` is `loadSafetensors` or
 * `saveSafetensors`; the message names the tensor key when one is at fault.
 *
 * @example
 * try { loadSafetensors(bytes); } catch (e) { if (e instanceof SafetensorsError) console.error(e.message); }
 */
export class SafetensorsError extends SimplegradError {}
