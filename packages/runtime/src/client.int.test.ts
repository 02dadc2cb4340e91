import { describe, expect, it } from "vitest";
import { labUp } from "../../../scripts/lab.ts";
import { compareApiVersions, connect, maxApiVersion, minApiVersion } from "./client.ts";
import { isRuntimeError } from "./errors.ts";

describe("connecting to an Engine", () => {
  it("negotiates the API version over the local socket", async () => {
    const client = await connect();
    const version = await client.docker.version();
    expect(client.engineVersion).toBe(version.Version);
    const expected =
      compareApiVersions(version.ApiVersion, maxApiVersion) < 0 ? version.ApiVersion : maxApiVersion;
    expect(client.apiVersion).toBe(expected);
    expect(compareApiVersions(client.apiVersion, minApiVersion)).toBeGreaterThanOrEqual(0);
  });

  it("reaches another host's Engine over TCP", async () => {
    const lab = await labUp(1);
    const host = lab.hosts[0];
    if (!host) throw new Error("the lab has no host");
    const url = new URL(host.dockerTcp.replace("tcp:", "http:"));
    const remote = await connect({ endpoint: { kind: "tcp", host: url.hostname, port: Number(url.port) } });
    const local = await connect();
    const [remoteInfo, localInfo] = await Promise.all([remote.docker.info(), local.docker.info()]);
    expect(remoteInfo.Name).toBe(host.name);
    expect(remoteInfo.ID).not.toBe(localInfo.ID);
  });

  it("names a closed socket and a silent port as unreachable", async () => {
    const closed = await connect({
      endpoint: { kind: "socket", socketPath: "/tmp/dftest-no-such.sock" },
    }).catch((e) => e);
    expect(isRuntimeError(closed, "unreachable")).toBe(true);
    expect(closed.message).toMatch(/unix:\/\/\/tmp\/dftest-no-such\.sock.*unreachable/);
    const silent = await connect({ endpoint: { kind: "tcp", host: "127.0.0.1", port: 1 } }).catch((e) => e);
    expect(isRuntimeError(silent, "unreachable")).toBe(true);
  });
});
