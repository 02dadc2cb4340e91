import { describe, expect, it } from "vitest";
import { SchemaEnginePanic, withSchemaEngine } from "./schema-engine.ts";
import { adminDatabaseUrl } from "./testing.ts";

// Its own file: a panic leaves this worker's wasm instance unusable, on purpose.
describe("withSchemaEngine", () => {
  it("reports a panic of the engine as an error instead of crashing the process, then refuses to go on", async () => {
    const databaseUrl = adminDatabaseUrl();
    expect(await withSchemaEngine({ databaseUrl }, (engine) => engine.version())).toMatch(/\S/);

    const failure = await withSchemaEngine({ databaseUrl }, async (engine) => engine.debugPanic()).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(SchemaEnginePanic);
    expect((failure as Error).message).toMatch(/^the schema engine crashed: .*panic/i);

    await expect(withSchemaEngine({ databaseUrl }, (engine) => engine.version())).rejects.toThrow(
      /crashed earlier in this process/,
    );
  });
});
