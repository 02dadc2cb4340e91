/** Polls `probe` until it returns something truthy, and returns that. Tests wait on behaviour, never on a clock. */
export async function until<T>(probe: () => Promise<T> | T, everyMs = 50): Promise<NonNullable<T>> {
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
