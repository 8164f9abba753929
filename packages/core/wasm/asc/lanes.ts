// SIMD lane helpers (AssemblyScript) shared by the kernel files (kernels.ts, pool.ts).

/** The first `count` 32-bit lanes of `x` at `at` (floats or ints: the bits are copied), one vector store when all four. */
@inline
export function storeLanes(at: usize, x: v128, count: i32): void {
  if (count >= 4) {
    v128.store(at, x);
    return;
  }
  store<i32>(at, i32x4.extract_lane(x, 0));
  if (count > 1) store<i32>(at, i32x4.extract_lane(x, 1), 4);
  if (count > 2) store<i32>(at, i32x4.extract_lane(x, 2), 8);
}
