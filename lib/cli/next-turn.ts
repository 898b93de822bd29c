/**
 * One turn of the event loop: what waits on it runs (a signal's handler, a Worker's message, a
 * timer). A resolved promise is not enough: microtasks run before the loop turns.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
