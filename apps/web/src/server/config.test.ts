import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, redactUrl } from "./config.ts";

describe("loadConfig", () => {
  it("applies defaults", () => {
    const config = loadConfig({ DATABASE_URL: "postgresql://u:p@localhost:5432/db" });
    expect(config.port).toBe(3000);
    expect(config.publicUrl).toBe("http://localhost:3000");
    expect(config.dev).toBe(false);
  });

  it("names the missing setting", () => {
    expect(() => loadConfig({})).toThrow(/DATABASE_URL is not set/);
  });

  it("rejects a non-postgres url and a bad port with one error listing both", () => {
    try {
      loadConfig({ DATABASE_URL: "mysql://x", PORT: "99999" });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(/DATABASE_URL must start with postgresql/);
      expect((error as Error).message).toMatch(/PORT/);
    }
  });
});

describe("redactUrl", () => {
  it("hides the password", () => {
    expect(redactUrl("postgresql://alice:s3cret@db:5432/x")).toBe("postgresql://alice:***@db:5432/x");
  });
});
