/**
 * Wait until `check` returns something truthy (or stops throwing), polling
 * every `every` ms for at most `timeout` ms. The bound is a safety net for a
 * broken test, not a statement about speed.
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  { timeout = 10_000, every = 20, what = 'condition' }: { timeout?: number; every?: number; what?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeout;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out waiting for ${what}${why}`);
    }
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}
