// Work through a list with at most `lanes` items in flight: each lane takes the next item when its
// last one is done. For jobs whose items each wait on something slow (Meta, a tenant's endpoint),
// where one at a time would leave the machine idle and all at once would flood the other side.

/**
 * Runs `fn` on every item, at most `lanes` at a time; resolves when all are done. `fn` should settle
 * its own errors: a throw rejects the whole run at once, while the other lanes carry on.
 */
export async function inLanes<T>(items: readonly T[], lanes: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(Math.max(1, lanes), items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}
