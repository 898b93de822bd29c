/** Polling for a condition, for tests that wait on something they cannot be told about. */

/**
 * Polls `probe` every `pollMs` until it returns a value other than undefined/false and returns
 * that value. A probe that throws counts as "not yet" (an API server not answering yet); the last
 * error is named in the timeout error, so one that never stops throwing is still reported.
 */
export async function waitUntil<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 60_000,
  pollMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    await Bun.sleep(pollMs);
  }
  throw new Error(
    `timed out after ${timeoutMs / 1000} s waiting for ${what}${lastError ? `: ${lastError}` : ""}`,
  );
}
