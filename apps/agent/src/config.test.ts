import { describe, expect, it } from "vitest";
import { ConfigError, linkUrl, loadConfig } from "./config.ts";

describe("loadConfig", () => {
  it("reads the console URL, the token and the defaults", () => {
    const config = loadConfig({
      DOCKFLEET_CONSOLE_URL: "https://console.example/",
      DOCKFLEET_ENROLL_TOKEN: " dfe_x ",
    });
    expect(config).toEqual({
      consoleUrl: "https://console.example",
      consoleUrls: ["https://console.example"],
      enrollToken: "dfe_x",
      stateDir: "/var/lib/dockfleet-agent",
      credentialFile: "/var/lib/dockfleet-agent/credential.json",
      spoolDir: "/var/lib/dockfleet-agent/spool",
      backupDir: "/var/lib/dockfleet-agent/backups",
      consoleFingerprint: undefined,
      docker: { kind: "socket", socketPath: "/var/run/docker.sock" },
    });
  });

  it("takes the state dir, credential file, Docker host and a certificate pin", () => {
    const pin = Array.from({ length: 32 }, () => "ab").join(":");
    const config = loadConfig({
      DOCKFLEET_CONSOLE_URL: "http://10.0.0.1:3000",
      DOCKFLEET_STATE_DIR: "/srv/agent",
      DOCKFLEET_CONSOLE_FINGERPRINT: `sha256:${pin}`,
      DOCKER_HOST: "unix:///run/other.sock",
    });
    expect(config.credentialFile).toBe("/srv/agent/credential.json");
    expect(config.consoleFingerprint).toBe(pin.toUpperCase());
    expect(config.docker).toEqual({ kind: "socket", socketPath: "/run/other.sock" });
    expect(
      loadConfig({ DOCKFLEET_CONSOLE_URL: "http://c", DOCKFLEET_CREDENTIAL_FILE: "/c.json" }).credentialFile,
    ).toBe("/c.json");
  });

  it("takes several console URLs (replicas), separated by commas", () => {
    const config = loadConfig({ DOCKFLEET_CONSOLE_URL: "https://a.example/, http://10.0.0.2:3000 ," });
    expect(config.consoleUrls).toEqual(["https://a.example", "http://10.0.0.2:3000"]);
    expect(config.consoleUrl).toBe("https://a.example");
    expect(() => loadConfig({ DOCKFLEET_CONSOLE_URL: "https://a.example,ftp://b" })).toThrow(
      /http:\/\/ or https:\/\//,
    );
    expect(() => loadConfig({ DOCKFLEET_CONSOLE_URL: " , " })).toThrow(/DOCKFLEET_CONSOLE_URL/);
  });

  it("names the setting that is wrong", () => {
    expect(() => loadConfig({})).toThrow(ConfigError);
    expect(() => loadConfig({})).toThrow(/DOCKFLEET_CONSOLE_URL/);
    expect(() => loadConfig({ DOCKFLEET_CONSOLE_URL: "ftp://x" })).toThrow(/http:\/\/ or https:\/\//);
    expect(() =>
      loadConfig({ DOCKFLEET_CONSOLE_URL: "http://c", DOCKFLEET_CONSOLE_FINGERPRINT: "abc" }),
    ).toThrow(/SHA-256/);
    expect(() => loadConfig({ DOCKFLEET_CONSOLE_URL: "http://c", DOCKER_HOST: "ssh://x" })).toThrow(
      /DOCKER_HOST/,
    );
  });

  it("derives the link URL", () => {
    expect(linkUrl("https://c.example", "/api/agent")).toBe("wss://c.example/api/agent");
    expect(linkUrl("http://127.0.0.1:3000", "/api/agent")).toBe("ws://127.0.0.1:3000/api/agent");
  });
});
