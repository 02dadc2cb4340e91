import { describe, expect, it } from "vitest";
import { checkHealth } from "./service.ts";

describe("checkHealth", () => {
  it("is ok when the database answers", async () => {
    const health = await checkHealth(async () => 1);
    expect(health.status).toBe("ok");
    expect(health.database.ok).toBe(true);
  });

  it("reports the first line of the database error", async () => {
    const health = await checkHealth(async () => {
      throw new Error("connection refused\n    at stack frame");
    });
    expect(health).toMatchObject({
      status: "unavailable",
      database: { ok: false, error: "connection refused" },
    });
  });
});
