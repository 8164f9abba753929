/**
 * Awaits both promises, then returns both values or throws the rejection of the first *in argument
 * order*. `Promise.all` rejects with whichever fails first in time, so an error message would
 * depend on I/O scheduling; this keeps it deterministic.
 */
export async function settlePair<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [ra, rb] = await Promise.allSettled([a, b]);
  if (ra.status === 'rejected') throw ra.reason;
  if (rb.status === 'rejected') throw rb.reason;
  return [ra.value, rb.value];
}
