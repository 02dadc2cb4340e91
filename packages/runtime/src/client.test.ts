import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { compareApiVersions, endpointFromEnv } from "./client.ts";
import { RuntimeError, toRuntimeError } from "./errors.ts";

describe("endpointFromEnv", () => {
  it("defaults to the local socket", () => {
    expect(endpointFromEnv({})).toEqual({ kind: "socket", socketPath: "/var/run/docker.sock" });
    expect(endpointFromEnv({ DOCKER_HOST: "unix:///run/user/1000/docker.sock" })).toEqual({
      kind: "socket",
      socketPath: "/run/user/1000/docker.sock",
    });
  });

  it("reads tcp, and TLS with the CLI's certificate files", async () => {
    expect(endpointFromEnv({ DOCKER_HOST: "tcp://10.0.0.5:2375" })).toEqual({
      kind: "tcp",
      host: "10.0.0.5",
      port: 2375,
      tls: undefined,
    });
    const dir = await mkdtemp(path.join(tmpdir(), "dockfleet-certs-"));
    try {
      await Promise.all(
        ["ca", "cert", "key"].map((name) => writeFile(path.join(dir, `${name}.pem`), `${name}-pem`)),
      );
      const endpoint = endpointFromEnv({
        DOCKER_HOST: "tcp://docker.example:2376",
        DOCKER_TLS_VERIFY: "1",
        DOCKER_CERT_PATH: dir,
      });
      expect(endpoint).toEqual({
        kind: "tcp",
        host: "docker.example",
        port: 2376,
        tls: { ca: "ca-pem", cert: "cert-pem", key: "key-pem" },
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses what it cannot use, saying why", () => {
    expect(() => endpointFromEnv({ DOCKER_HOST: "ssh://me@host" })).toThrow(
      /must start with unix:\/\/ or tcp:\/\//,
    );
    expect(() => endpointFromEnv({ DOCKER_HOST: "tcp://host:2376", DOCKER_TLS_VERIFY: "1" })).toThrow(
      /DOCKER_CERT_PATH/,
    );
  });
});

describe("compareApiVersions", () => {
  it("orders by major then minor, numerically", () => {
    expect(compareApiVersions("1.41", "1.47")).toBeLessThan(0);
    expect(compareApiVersions("1.9", "1.10")).toBeLessThan(0);
    expect(compareApiVersions("1.47", "1.47")).toBe(0);
  });
});

describe("toRuntimeError", () => {
  it("maps Engine statuses and socket failures to codes, keeping the Engine's message", () => {
    const notFound = toRuntimeError(
      { statusCode: 404, json: { message: "No such container: x" } },
      "stop container x",
    );
    expect(notFound).toBeInstanceOf(RuntimeError);
    expect(notFound.code).toBe("not_found");
    expect(notFound.message).toBe("stop container x: No such container: x");
    expect(toRuntimeError({ statusCode: 409, json: { message: "in use" } }, "rm").code).toBe("conflict");
    expect(toRuntimeError({ statusCode: 400, json: { message: "bad" } }, "create").code).toBe("invalid_spec");
    expect(toRuntimeError({ statusCode: 500, json: { message: "boom" } }, "x").code).toBe("engine");
    expect(toRuntimeError({ code: "ECONNREFUSED", message: "connect ECONNREFUSED" }, "ping").code).toBe(
      "unreachable",
    );
    expect(toRuntimeError({ code: "EACCES", message: "permission denied" }, "ping").code).toBe("permission");
    expect(toRuntimeError({ name: "AbortError" }, "logs").code).toBe("aborted");
  });
});
