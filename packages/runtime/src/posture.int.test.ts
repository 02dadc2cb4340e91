import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DockerClient } from "./client.ts";
import { isRuntimeError } from "./errors.ts";
import { containerPosture, hostPosture } from "./posture.ts";
import { removeSuiteResources, suiteLabels } from "./run-testing.ts";
import { testClient, testImage, testName } from "./testing.ts";

let client: DockerClient;
let risky: string;
let hardened: string;

async function create(config: object, run: boolean): Promise<string> {
  const container = await client.docker.createContainer({
    name: testName("posture"),
    Image: testImage,
    Cmd: ["sleep", "3600"],
    Labels: { ...suiteLabels },
    ...config,
  });
  if (run) await container.start();
  return container.id;
}

beforeAll(async () => {
  client = await testClient();
  const imageId = (await client.docker.getImage(testImage).inspect()).Id;
  // Everything the rules warn about. Created, not started: the rules read its configuration, and
  // this sandbox cannot start privileged containers ("unable to apply caps").
  risky = await create(
    {
      HostConfig: {
        NetworkMode: "none",
        Privileged: true,
        PidMode: "host",
        CapAdd: ["SYS_ADMIN"],
        Binds: ["/var/run/docker.sock:/var/run/docker.sock:ro"],
      },
    },
    false,
  );
  // Everything the rules ask for.
  hardened = await create(
    {
      Image: imageId,
      User: "1000:1000",
      HostConfig: {
        NetworkMode: "none",
        ReadonlyRootfs: true,
        Memory: 64 * 1024 * 1024,
        NanoCpus: 250_000_000,
        RestartPolicy: { Name: "unless-stopped" },
      },
    },
    true,
  );
});

afterAll(async () => {
  await removeSuiteResources(client);
});

describe("posture", () => {
  it("reports a risky and a hardened container on the real daemon", async () => {
    const bad = await containerPosture(client, risky);
    expect(bad.findings.map((f) => f.id)).toEqual([
      "container.privileged",
      "container.docker_socket",
      "container.host_pid",
      "container.added_capabilities",
      "container.root_user",
      "container.no_memory_limit",
      "container.no_cpu_limit",
      "container.writable_rootfs",
      "container.floating_image",
      "container.no_restart_policy",
    ]);
    expect((await containerPosture(client, hardened)).findings).toEqual([]);
    const missing = await containerPosture(client, testName("ghost")).catch((e: unknown) => e);
    expect(isRuntimeError(missing, "not_found")).toBe(true);
  });

  it("assesses the whole host: containers, counts and how the daemon listens", async () => {
    const posture = await hostPosture(client);
    const bad = posture.containers.find((c) => c.id === risky);
    expect(bad?.findings.length).toBe(10);
    expect(posture.containers.find((c) => c.id === hardened)?.findings).toEqual([]);
    expect(posture.counts.high).toBeGreaterThanOrEqual(4);
    // This host's dockerd listens on its unix socket only.
    expect(posture.daemonListen).toMatchObject({ known: true });
    expect(posture.host).toEqual([]);
  });

  it("flags a daemon started with a plain TCP host (read from /proc) and a plain TCP endpoint", async () => {
    const proc = await mkdtemp(join(tmpdir(), "dftest-proc-"));
    try {
      await mkdir(join(proc, "4242"));
      await writeFile(join(proc, "4242", "comm"), "dockerd\n");
      await writeFile(
        join(proc, "4242", "cmdline"),
        ["dockerd", "-H", "unix:///var/run/docker.sock", "-H", "tcp://0.0.0.0:2375", ""].join("\0"),
      );
      const socket: DockerClient = {
        ...client,
        endpoint: { kind: "socket", socketPath: "/var/run/docker.sock" },
      };
      const open = await hostPosture(socket, { procRoot: proc });
      expect(open.daemonListen).toEqual({
        known: true,
        hosts: ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"],
        tlsVerify: false,
      });
      expect(open.host).toEqual([expect.objectContaining({ id: "host.tcp_without_tls", severity: "high" })]);
    } finally {
      await rm(proc, { recursive: true, force: true });
    }
    const remote: DockerClient = { ...client, endpoint: { kind: "tcp", host: "127.0.0.1", port: 2375 } };
    const viaTcp = await hostPosture(remote);
    expect(viaTcp.host.map((f) => f.id)).toEqual(["host.tcp_without_tls"]);
    expect(viaTcp.daemonListen.known).toBe(false);
  });
});
