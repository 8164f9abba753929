/** Builds IDX files byte by byte for the tests, so they do not share the reader's header code. */

/** An IDX file: dtype code, dimension sizes (big-endian uint32), then the data bytes as given. */
export function idxFile(code: number, dims: readonly number[], data: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out.set([0, 0, code, dims.length]);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(Array.from(data), 4 + 4 * dims.length);
  return out;
}
