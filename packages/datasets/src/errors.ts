/**
 * Errors of the datasets package. They extend core's {@link SimplegradError}, so one `catch` with
 * `instanceof SimplegradError` still sees every error simplegrad throws on purpose.
 */
import { SimplegradError } from '@simplegrad/core';

/**
 * A dataset could not be loaded: a file or URL is missing or unreadable, or its contents are not
 * what the dataset expects (e.g. a label outside 0..9).
 *
 * @example
 * try { await mnist({ source: 'https://example.org/missing/' }); }
 * catch (e) { if (e instanceof DatasetError) console.error(e.message); }
 */
export class DatasetError extends SimplegradError {}

/**
 * Malformed IDX input: bad magic, unknown dtype code, absurd dimension count, truncated or
 * over-long data, corrupt or oversized gzip. `file` is the name the caller gave (if any), and the
 * message starts with `readIdx(<file>): `.
 *
 * @example
 * try { readIdxSync(new Uint8Array([1, 2, 3, 4]), { name: 'x.idx' }); }
 * catch (e) { if (e instanceof IdxError) e.file; }   // 'x.idx'
 */
export class IdxError extends DatasetError {
  /** The file (or URL) name given to the reader, or undefined. */
  readonly file: string | undefined;
  constructor(fn: string, file: string | undefined, message: string) {
    super(file === undefined ? fn : `${fn}(${file})`, message);
    this.file = file;
  }
}

/**
 * Image bytes that cannot be decoded: an unknown format, a malformed or truncated PNG/JPEG, or an
 * image larger than the caller's `maxPixels`.
 *
 * @example
 * try { decodeImage(bytes); } catch (e) { if (e instanceof ImageError) console.error(e.message); }
 */
export class ImageError extends DatasetError {}
