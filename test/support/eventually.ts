/**
 * Waiting in tests for something to happen, not for a fixed time: a check polls its condition
 * until it holds, and only a failure waits out the deadline (so a slow or loaded machine makes
 * a test slower, never red).
 */

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `condition` every `pollMs` until it holds; throws `"<what> not met within <timeoutMs> ms"`
 * once `timeoutMs` has passed without it (the deadline bounds a failure, not the wait).
 */
export async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs: number, what = 'condition', pollMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await sleep(pollMs);
  }
}
