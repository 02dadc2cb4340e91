import { describe, expect, it } from "vitest";
import { migrationDirName } from "./migration-files.ts";

describe("migrationDirName", () => {
  it("prefixes a UTC timestamp to a snake_case name", () => {
    expect(migrationDirName("Add hosts & groups", new Date("2026-11-22T15:30:05Z"))).toBe(
      "20261122153005_add_hosts_groups",
    );
    expect(() => migrationDirName("--")).toThrow(/invalid migration name/);
  });
});
