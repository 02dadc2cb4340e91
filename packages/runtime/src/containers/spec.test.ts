import { describe, expect, it } from "vitest";
import { parseInput } from "../parse-input.ts";
import { ContainerSpecSchema, createOptions, extraNetworks } from "./spec.ts";

const parse = (spec: unknown) => parseInput(ContainerSpecSchema, spec, "create container");

describe("ContainerSpec", () => {
  it("maps a full spec to the Engine's create body", () => {
    const spec = parse({
      name: "web",
      image: "local/busybox:latest",
      command: ["sleep", "60"],
      env: { A: "1", B: "x=y" },
      labels: { team: "ops" },
      user: "1000:1000",
      ports: [
        { containerPort: 80, hostPort: 8080 },
        { containerPort: 53, protocol: "udp" },
      ],
      mounts: [
        { type: "bind", source: "/srv/web", target: "/data", readOnly: true },
        { type: "volume", source: "cache", target: "/cache" },
        { type: "volume", target: "/scratch" },
        { type: "tmpfs", target: "/run", sizeBytes: 1_048_576 },
      ],
      networks: [
        { name: "front", aliases: ["web"] },
        { name: "back", aliases: ["api"], ipv4Address: "10.9.0.5" },
      ],
      restartPolicy: { name: "on-failure", maximumRetryCount: 3 },
      resources: { cpus: 0.5, memoryBytes: 64 * 1024 ** 2 },
      capAdd: ["CAP_NET_ADMIN"],
      capDrop: ["MKNOD"],
      readOnlyRootfs: true,
    });
    const body = createOptions(spec);
    expect(body).toMatchObject({
      name: "web",
      Image: "local/busybox:latest",
      Cmd: ["sleep", "60"],
      Env: ["A=1", "B=x=y"],
      Labels: { team: "ops" },
      User: "1000:1000",
      ExposedPorts: { "80/tcp": {}, "53/udp": {} },
      Volumes: { "/scratch": {} },
      NetworkingConfig: { EndpointsConfig: { front: { Aliases: ["web"] } } },
    });
    expect(body.HostConfig).toMatchObject({
      NanoCpus: 500_000_000,
      Memory: 64 * 1024 ** 2,
      PortBindings: {
        "80/tcp": [{ HostIp: "", HostPort: "8080" }],
        "53/udp": [{ HostIp: "", HostPort: "" }],
      },
      NetworkMode: "front",
      RestartPolicy: { Name: "on-failure", MaximumRetryCount: 3 },
      CapAdd: ["NET_ADMIN"],
      CapDrop: ["MKNOD"],
      ReadonlyRootfs: true,
    });
    expect(body.HostConfig?.Mounts?.map((m) => m.Type)).toEqual(["bind", "volume", "tmpfs"]);
    expect(extraNetworks(spec)).toEqual([
      { name: "back", endpoint: { Aliases: ["api"], IPAMConfig: { IPv4Address: "10.9.0.5" } } },
    ]);
  });

  it.each([
    [{ image: "" }, "image"],
    [{ image: "x", name: "-bad" }, "name"],
    [{ image: "x", ports: [{ containerPort: 70000 }] }, "ports[0].containerPort"],
    [{ image: "x", mounts: [{ type: "bind", source: "rel", target: "/x" }] }, "mounts[0].source"],
    [{ image: "x", mounts: [{ type: "nfs", target: "/x" }] }, "mounts[0].type"],
    [{ image: "x", resources: { memoryBytes: 1024 } }, "resources.memoryBytes"],
    [{ image: "x", env: { "A=B": "1" } }, "env"],
    [
      { image: "x", restartPolicy: { name: "always", maximumRetryCount: 2 } },
      "restartPolicy.maximumRetryCount",
    ],
    [{ image: "x", networks: [{ name: "n", ipv4Address: "999.1.1.1" }] }, "networks[0].ipv4Address"],
    [{ image: "x", capAdd: ["net admin"] }, "capAdd[0]"],
  ])("names the bad field of %j", (spec, field) => {
    expect(() => parse(spec)).toThrow(expect.objectContaining({ code: "invalid_spec" }));
    expect(() => parse(spec)).toThrow(field);
  });
});
