import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { installScript, uninstallCommand } from "./install-script.ts";

const input = {
  consoleUrl: "https://console.example/it's",
  arch: "x86_64",
  nodeSha256: "a".repeat(64),
  bundleSha256: "b".repeat(64),
  enrollTimeoutSeconds: 90,
};

/** Runs the script as `curl … | sh -s -- ARGS` would, as an unprivileged user (nobody). */
function runAsNobody(args: string[]) {
  const unprivileged =
    process.getuid?.() === 0 ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : [];
  const [command = "sh", ...rest] = [...unprivileged, "sh", "-s", "--", ...args];
  return spawnSync(command, rest, { input: installScript(input), encoding: "utf8", cwd: "/" });
}

describe("the install script", () => {
  it("is valid POSIX sh (parsed by sh -n, nothing run)", () => {
    const parsed = spawnSync("sh", ["-n"], { input: installScript(input), encoding: "utf8" });
    expect(parsed.stderr).toBe("");
    expect(parsed.status).toBe(0);
  });

  it("names the console, even one with a quote in its URL, and both checksums", () => {
    const script = installScript(input);
    expect(script).toContain(`default_url='https://console.example/it'\\''s'`);
    expect(script).toContain(`node_sha256=${input.nodeSha256}`);
    expect(script).toContain(`bundle_sha256=${input.bundleSha256}`);
  });

  it("documents its uninstall command, which the console shows after removing a host", () => {
    expect(uninstallCommand("https://console.example/")).toBe(
      "curl -fsSL 'https://console.example/api/agent/install.sh' | sh -s -- --uninstall",
    );
    expect(installScript(input)).toContain(
      "#   curl -fsSL https://console.example/it's/api/agent/install.sh | sh -s -- --uninstall",
    );
  });

  it("refuses to uninstall when not root, before touching anything", () => {
    const run = runAsNobody(["--uninstall"]);
    expect(run.stderr).toBe(
      "dockfleet: error: uninstalling needs root: run it as root, or pipe it to sudo sh -s -- --uninstall\n",
    );
    expect(run.stdout).toBe("");
    expect(run.status).toBe(1);
  });

  it("refuses an option it does not know, naming both it has", () => {
    const run = runAsNobody(["--uninstal"]);
    expect(run.stderr).toBe(
      "dockfleet: error: unknown option --uninstal: run this with no option to install the agent, or with --uninstall to remove it\n",
    );
    expect(run.status).toBe(1);
  });
});
