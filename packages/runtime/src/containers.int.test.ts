import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import tar from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DockerClient } from "./client.ts";
import {
  copyFromContainer,
  copyToContainer,
  createContainer,
  exportContainer,
  inspectContainer,
  killContainer,
  listContainers,
  pauseContainer,
  removeContainer,
  renameContainer,
  restartContainer,
  startContainer,
  stopContainer,
  topContainer,
  unpauseContainer,
  updateContainer,
  waitContainer,
} from "./containers.ts";
import { isRuntimeError, type RuntimeErrorCode } from "./errors.ts";
import { removeCreated, trackCreated } from "./test-containers.ts";
import { testClient, testImage, testLabels, testName } from "./testing.ts";

let client: DockerClient;
let bindDir: string;
const networks: string[] = [];
const volumes: string[] = [];

beforeAll(async () => {
  client = await testClient();
  bindDir = await mkdtemp(join(tmpdir(), "dftest-bind-"));
  await chmod(bindDir, 0o755);
  await writeFile(join(bindDir, "hello.txt"), "from the host\n", { mode: 0o644 });
  for (const i of [1, 2]) {
    const name = testName(`net${i}`);
    await client.docker.createNetwork({ Name: name, Labels: testLabels });
    networks.push(name);
  }
  const volume = testName("vol");
  await client.docker.createVolume({ Name: volume, Labels: testLabels });
  volumes.push(volume);
});

afterAll(async () => {
  await removeCreated(client);
  await Promise.all(
    networks.map((n) =>
      client.docker
        .getNetwork(n)
        .remove()
        .catch(() => undefined),
    ),
  );
  await Promise.all(
    volumes.map((v) =>
      client.docker
        .getVolume(v)
        .remove()
        .catch(() => undefined),
    ),
  );
  await rm(bindDir, { recursive: true, force: true });
});

/** Creates and starts a test container, tracked for removal. */
async function create(spec: Partial<Parameters<typeof createContainer>[1]> = {}) {
  const details = await createContainer(client, {
    name: testName("c"),
    image: testImage,
    command: ["sleep", "3600"],
    ...spec,
    labels: { ...testLabels, ...spec.labels },
  });
  trackCreated(details.id);
  return details;
}

const code = (expected: RuntimeErrorCode) => (error: unknown) => isRuntimeError(error, expected);

async function exec(id: string, cmd: string[]): Promise<string> {
  const e = await client.docker
    .getContainer(id)
    .exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, Tty: true });
  const stream = await e.start({ hijack: true, stdin: false, Tty: true });
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8").replace(/\r\n/g, "\n");
}

async function namesLike(prefix: string): Promise<string[]> {
  const all = await listContainers(client, { all: true, filters: { name: [prefix] } });
  return all.map((c) => c.name);
}

describe("create and start from a spec", () => {
  it("applies every field of a full spec", async () => {
    const [front, back] = networks as [string, string];
    const c = await create({
      env: { GREETING: "hello world" },
      labels: { role: "web" },
      user: "1000:1000",
      workingDir: "/tmp",
      ports: [{ containerPort: 80 }, { containerPort: 53, protocol: "udp", hostIp: "127.0.0.1" }],
      mounts: [
        { type: "bind", source: bindDir, target: "/host", readOnly: true },
        { type: "volume", source: volumes[0], target: "/named" },
        { type: "volume", target: "/anon" },
        { type: "tmpfs", target: "/scratch", sizeBytes: 8 * 1024 * 1024 },
      ],
      networks: [
        { name: front, aliases: ["web"] },
        { name: back, aliases: ["api"] },
      ],
      restartPolicy: { name: "on-failure", maximumRetryCount: 3 },
      resources: { cpus: 0.5, memoryBytes: 64 * 1024 ** 2, pidsLimit: 50 },
      capAdd: ["NET_ADMIN"],
      capDrop: ["MKNOD"],
      readOnlyRootfs: true,
    });
    expect(c.state.running).toBe(true);
    expect(c.env).toContain("GREETING=hello world");
    expect(c.labels).toMatchObject({ role: "web" });
    expect(c.user).toBe("1000:1000");
    expect(c.restartPolicy).toEqual({ name: "on-failure", maximumRetryCount: 3 });
    expect(c.resources).toMatchObject({ nanoCpus: 500_000_000, memoryBytes: 64 * 1024 ** 2, pidsLimit: 50 });
    expect(c.capAdd).toEqual(["NET_ADMIN"]);
    expect(c.capDrop).toEqual(["MKNOD"]);
    expect(c.readOnlyRootfs).toBe(true);
    const published = c.ports.find((p) => p.containerPort === 80);
    expect(published?.hostPort).toBeGreaterThan(0);
    expect(c.ports.find((p) => p.containerPort === 53)).toMatchObject({
      protocol: "udp",
      hostIp: "127.0.0.1",
    });
    expect(c.networks.map((n) => n.network).sort()).toEqual([front, back].sort());
    expect(c.networks.find((n) => n.network === front)?.aliases).toContain("web");
    expect(c.networks.find((n) => n.network === back)?.aliases).toContain("api");
    expect(c.mounts.map((m) => m.destination).sort()).toEqual(
      ["/anon", "/host", "/named", "/scratch"].sort(),
    );
    expect(await exec(c.id, ["cat", "/host/hello.txt"])).toBe("from the host\n");
    expect(await exec(c.id, ["id", "-u"])).toBe("1000\n");
    expect(await exec(c.id, ["sh", "-c", "touch /rootfs-file 2>&1 || echo read-only"])).toContain(
      "read-only",
    );
  });

  it("rejects an invalid spec naming the field, before creating anything", async () => {
    const name = testName("invalid");
    const attempt = create({ name, ports: [{ containerPort: 0 }] });
    await expect(attempt).rejects.toSatisfy(code("invalid_spec"));
    await expect(attempt).rejects.toThrow("ports[0].containerPort");
    expect(await namesLike(name)).toEqual([]);
  });

  it("removes the container when start fails", async () => {
    const name = testName("nostart");
    await expect(create({ name, command: ["/no/such/binary"] })).rejects.toThrow(/start container/);
    expect(await namesLike(name)).toEqual([]);
  });

  it("removes the container when joining a network fails", async () => {
    const name = testName("nonet");
    const attempt = create({
      name,
      networks: [{ name: networks[0] as string }, { name: "dftest-no-such-net" }],
    });
    await expect(attempt).rejects.toSatisfy(code("not_found"));
    expect(await namesLike(name)).toEqual([]);
  });

  it("reports a missing image as not_found", async () => {
    await expect(create({ image: "local/no-such-image:1" })).rejects.toSatisfy(code("not_found"));
  });
});

describe("lifecycle", () => {
  it("stops, starts, restarts, pauses, kills, renames and removes", async () => {
    // With an init process the shell gets the signals; PID 1 itself ignores SIGTERM.
    const c = await create({ init: true, mounts: [{ type: "volume", target: "/anon" }] });
    await stopContainer(client, c.id, { timeoutSeconds: 0 });
    expect((await inspectContainer(client, c.id)).state.running).toBe(false);
    await stopContainer(client, c.id); // already stopped: still fine
    await startContainer(client, c.id);
    await startContainer(client, c.id); // already running: still fine
    const before = (await inspectContainer(client, c.id)).state.startedAt;
    await restartContainer(client, c.id, { timeoutSeconds: 0 });
    expect((await inspectContainer(client, c.id)).state.startedAt).not.toBe(before);
    await pauseContainer(client, c.id);
    expect((await inspectContainer(client, c.id)).state.paused).toBe(true);
    await expect(pauseContainer(client, c.id)).rejects.toSatisfy(code("conflict"));
    await unpauseContainer(client, c.id);
    await killContainer(client, c.id, { signal: "SIGTERM" });
    expect(await waitContainer(client, c.id)).not.toBe(0);
    await expect(killContainer(client, c.id)).rejects.toSatisfy(code("conflict"));
    const renamed = testName("renamed");
    await renameContainer(client, c.id, renamed);
    expect((await inspectContainer(client, renamed)).id).toBe(c.id);
    await expect(renameContainer(client, c.id, "bad name")).rejects.toSatisfy(code("invalid_spec"));
    const anon = c.mounts.find((m) => m.destination === "/anon")?.name as string;
    await removeContainer(client, c.id, { force: true, volumes: true });
    await expect(inspectContainer(client, c.id)).rejects.toSatisfy(code("not_found"));
    await expect(client.docker.getVolume(anon).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it("names an unknown container", async () => {
    for (const call of [
      () => inspectContainer(client, "dftest-missing"),
      () => stopContainer(client, "dftest-missing"),
      () => removeContainer(client, "dftest-missing"),
      () => topContainer(client, "dftest-missing"),
    ]) {
      await expect(call()).rejects.toSatisfy(code("not_found"));
    }
    await expect(inspectContainer(client, "dftest-missing")).rejects.toThrow('"dftest-missing"');
  });
});

describe("list, update, top", () => {
  it("lists by label, with sizes and stopped containers", async () => {
    const mark = testName("mark");
    const running = await create({ labels: { "dftest.mark": mark } });
    const stopped = await create({ labels: { "dftest.mark": mark }, command: ["true"] });
    await waitContainer(client, stopped.id);
    const onlyRunning = await listContainers(client, { labels: { "dftest.mark": mark } });
    expect(onlyRunning.map((c) => c.id)).toEqual([running.id]);
    const all = await listContainers(client, { all: true, size: true, labels: { "dftest.mark": mark } });
    expect(all.map((c) => c.id).sort()).toEqual([running.id, stopped.id].sort());
    // The Engine leaves SizeRw out when it is 0; SizeRootFs is always there when asked for.
    expect(all.every((c) => typeof c.sizeRootFs === "number")).toBe(true);
    expect(all.find((c) => c.id === stopped.id)?.state).toBe("exited");
  });

  it("updates resources and the restart policy of a running container", async () => {
    const c = await create({ resources: { memoryBytes: 64 * 1024 ** 2, memorySwapBytes: 128 * 1024 ** 2 } });
    await updateContainer(client, c.id, {
      cpus: 0.25,
      memoryBytes: 96 * 1024 ** 2,
      memorySwapBytes: 192 * 1024 ** 2,
      restartPolicy: { name: "unless-stopped" },
    });
    const after = await inspectContainer(client, c.id);
    expect(after.resources).toMatchObject({ nanoCpus: 250_000_000, memoryBytes: 96 * 1024 ** 2 });
    expect(after.restartPolicy.name).toBe("unless-stopped");
    await expect(updateContainer(client, c.id, { memoryBytes: 10 })).rejects.toSatisfy(code("invalid_spec"));
  });

  it("lists the processes", async () => {
    const c = await create();
    const top = await topContainer(client, c.id);
    expect(top.titles).toContain("PID");
    expect(top.processes.some((p) => p.join(" ").includes("sleep 3600"))).toBe(true);
  });
});

async function tarOf(files: Record<string, string>): Promise<Readable> {
  const pack = tar.pack();
  for (const [name, text] of Object.entries(files)) pack.entry({ name }, text);
  pack.finalize();
  // tar-stream's Pack is a streamx Readable: pipe-compatible, typed apart from node's.
  return pack as unknown as Readable;
}

async function untar(stream: Readable): Promise<Record<string, string>> {
  const extract = tar.extract();
  const files: Record<string, string> = {};
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      files[entry.header.name] = Buffer.concat(chunks).toString("utf8");
    }
  })();
  await pipeline(stream, extract);
  await done;
  return files;
}

describe("files", () => {
  it("copies files in and out as tar streams", async () => {
    const c = await create();
    await copyToContainer(client, c.id, "/tmp", await tarOf({ "a.txt": "alpha\n", "dir/b.txt": "beta\n" }));
    expect(await exec(c.id, ["cat", "/tmp/dir/b.txt"])).toBe("beta\n");
    const { stat, archive } = await copyFromContainer(client, c.id, "/tmp/dir");
    expect(stat?.name).toBe("dir");
    expect(await untar(archive)).toMatchObject({ "dir/b.txt": "beta\n" });
    await expect(copyFromContainer(client, c.id, "/tmp/nope")).rejects.toSatisfy(code("not_found"));
    await expect(copyToContainer(client, c.id, "relative", Readable.from([]))).rejects.toSatisfy(
      code("invalid_spec"),
    );
  });

  it("exports the filesystem", async () => {
    const c = await create({ command: ["true"] });
    const names: string[] = [];
    const extract = tar.extract();
    const reading = (async () => {
      for await (const entry of extract) {
        names.push(entry.header.name);
        entry.resume();
      }
    })();
    await pipeline(await exportContainer(client, c.id), extract);
    await reading;
    expect(names).toContain("bin/busybox");
  });
});
