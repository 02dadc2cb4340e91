import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { installScript } from "./install-script.ts";

const input = {
  consoleUrl: "https://console.example/it's",
  arch: "x86_64",
  nodeSha256: "a".repeat(64),
  bundleSha256: "b".repeat(64),
  enrollTimeoutSeconds: 90,
};

describe("the install script", () => {
  it("is valid POSIX sh (parsed by sh -n, nothing run)", () => {
    expect(() => execFileSync("sh", ["-n"], { input: installScript(input) })).not.toThrow();
  });

  it("names the console, even one with a quote in its URL, and both checksums", () => {
    const script = installScript(input);
    expect(script).toContain(`default_url='https://console.example/it'\\''s'`);
    expect(script).toContain(`node_sha256=${input.nodeSha256}`);
    expect(script).toContain(`bundle_sha256=${input.bundleSha256}`);
  });
});
