import { describe, expect, it } from "vitest";
import { appRouter } from "../router.ts";
import type { Meta } from "../trpc.ts";
import { permissions } from "./permissions.ts";

// Procedures anyone may call without signing in, with the reason. Anything else public fails this test.
const publicByDesign = new Set([
  "system.version",
  "auth.me",
  "auth.setupStatus",
  "auth.setup",
  "auth.login",
  "auth.acceptInvite",
]);

const procedures = Object.entries(
  appRouter._def.procedures as unknown as Record<string, { _def: { meta?: Meta } }>,
);

describe("every procedure declares what it requires", () => {
  it("finds the procedures", () => {
    expect(procedures.length).toBeGreaterThan(20);
  });

  for (const [path, procedure] of procedures) {
    it(path, () => {
      const requires = procedure._def.meta?.requires;
      expect(requires, `${path} has no declared requirement`).toBeDefined();
      if (requires === "public")
        expect(publicByDesign.has(path), `${path} is public but not listed`).toBe(true);
      else if (requires !== "signed-in") expect(Object.keys(permissions)).toContain(requires);
    });
  }
});
