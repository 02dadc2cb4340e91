/** Health: is the console able to serve? Checks the inventory database with a bounded wait. */

export interface Health {
  status: "ok" | "unavailable";
  database: { ok: boolean; latencyMs: number; error?: string };
}

const databaseTimeoutMs = 3000;

/** Runs `ping` (a trivial query) and reports whether the database answered in time. */
export async function checkHealth(ping: () => Promise<unknown>): Promise<Health> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${databaseTimeoutMs} ms`)),
      databaseTimeoutMs,
    );
  });
  try {
    await Promise.race([ping(), timeout]);
    return { status: "ok", database: { ok: true, latencyMs: Math.round(performance.now() - started) } };
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    return {
      status: "unavailable",
      database: { ok: false, latencyMs: Math.round(performance.now() - started), error: message },
    };
  } finally {
    clearTimeout(timer);
  }
}
