/**
 * A plugin's next batch, or the signal's reason when the signal aborts first, so that a plugin
 * that never yields still stops.
 *
 * Not `Promise.race([next, stopped])` against one promise kept for the whole extract: each race
 * adds a reaction to `stopped` that holds the race's own promise, and with it the batch it
 * resolved to, until `stopped` settles, which it never does in a run that goes well. Every batch
 * of an extract stayed reachable (1,000,000 rows of the extract benchmark, and more memory than
 * the machine has for a larger one), and the garbage collector's work on them doubled the
 * extract's time. Here the abort listener is removed as soon as the batch comes.
 */
export function nextUntilAborted<T>(iterator: Iterator<T> | AsyncIterator<T>, signal: AbortSignal): Promise<IteratorResult<T>> {
  const reason = () => (signal.reason instanceof Error ? signal.reason : new Error('stopped'));
  if (signal.aborted) return Promise.reject(reason());
  return new Promise<IteratorResult<T>>((resolve, reject) => {
    const abort = () => reject(reason());
    signal.addEventListener('abort', abort, { once: true });
    Promise.resolve()
      .then(() => iterator.next())
      .then(
        (next) => {
          signal.removeEventListener('abort', abort);
          resolve(next);
        },
        (err: unknown) => {
          signal.removeEventListener('abort', abort);
          reject(err);
        },
      );
  });
}
