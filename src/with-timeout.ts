/**
 * The one way ffly stops waiting for something that cannot be canceled (a DNS lookup on the thread
 * pool, a query on a connection that may be dead): after `ms`, the result is `onTimeout()`'s, or its
 * error when it throws. The promise itself keeps running; its late result is ignored.
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve, reject) => {
    timer = setTimeout(() => {
      try {
        resolve(onTimeout());
      } catch (error) {
        reject(error);
      }
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
