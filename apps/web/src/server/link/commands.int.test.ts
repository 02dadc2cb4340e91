/**
 * The one-shot commands through the real link: the real agent bundle against the real dockerd,
 * every answer checked against what Docker itself says. Everything made here is named dftest-cmd-*
 * and carries this file's run label, so the prunes (filtered by that label) reach nothing else.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DockerClient } from "../../../../../packages/runtime/src/client.ts";
import { commitContainer } from "../../../../../packages/runtime/src/images.ts";
import {
  removeSuiteResources,
  runLabel,
  suiteLabels,
} from "../../../../../packages/runtime/src/run-testing.ts";
import { testClient, testImage, testName } from "../../../../../packages/runtime/src/testing.ts";
import { startTestConsole, type TestConsole } from "../testing/console.ts";
import { type LinkedAgent, startLinkedAgent } from "../testing/linked-agent.ts";
import type { LinkRegistry } from "./registry.ts";
import { hostLink } from "./store.ts";
import { caught } from "./testing.ts";

const run = promisify(execFile);

let fleet: TestConsole;
let agent: LinkedAgent;
let link: LinkRegistry;
let docker: DockerClient;
let scratch: string;
/** Matches this file's resources only. */
const ours = { [runLabel]: suiteLabels[runLabel] };
const sleeper = ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"];

const volume = testName("cmd-vol");
const network = testName("cmd-net");
const subnet = "10.213.60";
let containerId: string;

beforeAll(async () => {
  [fleet, docker, scratch] = await Promise.all([
    startTestConsole(),
    testClient(),
    mkdtemp(join(tmpdir(), "dftest-cmd-")),
  ]);
  agent = await startLinkedAgent(fleet, "dftest-cmd-host");
  link = hostLink(fleet.db);
});
afterAll(async () => {
  await agent?.stop();
  await fleet?.stop();
  if (docker) await removeSuiteResources(docker);
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** A path of a container read through the stream: the pieces joined, and how the stream ended. */
async function readFiles(containerId: string, path: string) {
  const stream = link.stream(agent.hostId, "container.files.read", { containerId, path });
  const pieces: Uint8Array[] = [];
  for await (const chunk of stream) {
    for (const item of chunk.items) pieces.push(item.data);
  }
  return { archive: Buffer.concat(pieces), result: await stream.result };
}

/** The first file of a tar archive: its name and its bytes (ustar header: name at 0, octal size at 124). */
function firstEntry(tar: Buffer): { name: string; content: string } {
  const name = tar.subarray(0, 100).toString("utf8").replace(/\0.*$/s, "");
  const size = Number.parseInt(tar.subarray(124, 136).toString("utf8").replace(/\0.*$/s, "").trim(), 8);
  return { name, content: tar.subarray(512, 512 + size).toString("utf8") };
}

describe("a volume, a network and a container", () => {
  it("creates, inspects and lists a volume", async () => {
    const created = await link.call(agent.hostId, "volume.create", { name: volume, labels: suiteLabels });
    expect(created).toMatchObject({ name: volume, driver: "local", labels: suiteLabels, usedBy: [] });
    const inspected = await docker.docker.getVolume(volume).inspect();
    expect(inspected.Mountpoint).toBe(created.mountpoint);
    expect(await link.call(agent.hostId, "volume.inspect", { name: volume })).toMatchObject({ name: volume });
    const listed = await link.call(agent.hostId, "volume.list", { labels: ours });
    expect(listed.map((v) => v.name)).toEqual([volume]);
    expect(listed[0]?.sizeBytes).toBe(0);
  });

  it("refuses a volume name outside Docker's rule, naming the field", async () => {
    const error = await caught(link.call(agent.hostId, "volume.create", { name: "dftest bad/name" }));
    expect(error.code).toBe("invalid");
    expect(error.message).toMatch(/^volume\.create input: name: must match/);
  });

  it("creates a network with a subnet", async () => {
    const created = await link.call(agent.hostId, "network.create", {
      name: network,
      subnets: [{ subnet: `${subnet}.0/24` }],
      labels: suiteLabels,
    });
    expect(created).toMatchObject({
      name: network,
      driver: "bridge",
      subnets: [{ subnet: `${subnet}.0/24` }],
    });
    expect((await docker.docker.getNetwork(network).inspect()).Id).toBe(created.id);
    expect(await link.call(agent.hostId, "network.list", { labels: ours })).toEqual([created]);
  });

  it("creates and starts a container from a spec, with the volume mounted", async () => {
    const created = await link.call(agent.hostId, "container.create", {
      name: testName("cmd-app"),
      image: testImage,
      command: sleeper,
      labels: suiteLabels,
      mounts: [{ type: "volume", source: volume, target: "/data" }],
    });
    containerId = created.id;
    const inspected = await docker.docker.getContainer(containerId).inspect();
    expect(inspected.State.Running).toBe(true);
    expect(inspected.Mounts).toEqual([expect.objectContaining({ Name: volume, Destination: "/data" })]);
    const users = await link.call(agent.hostId, "volume.inspect", { name: volume });
    expect(users.usedBy).toEqual([expect.objectContaining({ id: containerId, destination: "/data" })]);
  });

  it("leaves nothing behind when a create fails half-way", async () => {
    const name = testName("cmd-half");
    const error = await caught(
      link.call(agent.hostId, "container.create", {
        name,
        image: testImage,
        command: sleeper,
        labels: suiteLabels,
        networks: [{ name: "bridge" }, { name: testName("cmd-missing-net") }],
      }),
    );
    expect(error).toMatchObject({ code: "docker", dockerCode: "not_found" });
    expect(await docker.docker.listContainers({ all: true, filters: { name: [name] } })).toEqual([]);
  });

  it("connects the container with an alias and a fixed address; topology shows the endpoint", async () => {
    await link.call(agent.hostId, "network.connect", {
      network,
      container: containerId,
      aliases: ["dftest-cmd-alias"],
      ipv4Address: `${subnet}.10`,
    });
    const details = await link.call(agent.hostId, "container.inspect", { containerId });
    expect(details.networks).toContainEqual(
      expect.objectContaining({
        network,
        ipAddress: `${subnet}.10`,
        aliases: expect.arrayContaining(["dftest-cmd-alias"]),
      }),
    );
    const onNetwork = await link.call(agent.hostId, "network.inspect", { network });
    expect(onNetwork.containers).toEqual([
      expect.objectContaining({ containerId, ipv4Address: `${subnet}.10` }),
    ]);

    const topology = await link.call(agent.hostId, "topology.read", {});
    expect(topology.networks).toContainEqual(expect.objectContaining({ id: onNetwork.id, name: network }));
    expect(topology.containers).toContainEqual(
      expect.objectContaining({ id: containerId, state: "running" }),
    );
    expect(topology.endpoints).toContainEqual(
      expect.objectContaining({ containerId, networkId: onNetwork.id, ipv4Address: `${subnet}.10` }),
    );
  });

  it("disconnects it again", async () => {
    await link.call(agent.hostId, "network.disconnect", { network, container: containerId });
    const inspected = await docker.docker.getContainer(containerId).inspect();
    expect(Object.keys(inspected.NetworkSettings.Networks)).not.toContain(network);
    expect((await link.call(agent.hostId, "network.inspect", { network })).containers).toEqual([]);
  });
});

describe("a running container", () => {
  it("shows its processes", async () => {
    const top = await link.call(agent.hostId, "container.top", { containerId });
    const command = top.titles.indexOf("CMD");
    expect(command).toBeGreaterThanOrEqual(0);
    expect(top.processes.map((p) => p[command])).toContainEqual(expect.stringContaining("while true"));
  });

  it("gives one stats sample", async () => {
    const sample = await link.call(agent.hostId, "container.stats", { containerId });
    expect(sample.containerId).toBe(containerId);
    expect(sample.memoryUsage).toBeGreaterThan(0);
    expect(sample.pids).toBeGreaterThanOrEqual(1);
  });

  it("takes a file in and gives it back", async () => {
    await writeFile(join(scratch, "hello.txt"), "hello from dftest-cmd\n");
    const { stdout: tar } = await run("tar", ["-c", "-C", scratch, "hello.txt"], { encoding: "buffer" });
    await link.call(agent.hostId, "container.files.write", {
      containerId,
      path: "/data",
      archiveBase64: tar.toString("base64"),
    });
    const ran = await link.call(agent.hostId, "container.exec", {
      containerId,
      cmd: ["cat", "/data/hello.txt"],
    });
    expect(ran.stdout).toBe("hello from dftest-cmd\n");

    const { archive, result } = await readFiles(containerId, "/data/hello.txt");
    expect(result.stat).toMatchObject({ name: "hello.txt", size: 22 });
    expect(result).toMatchObject({ bytes: archive.length, sha256: sha256(archive) });
    expect(firstEntry(archive)).toEqual({ name: "hello.txt", content: "hello from dftest-cmd\n" });
  });

  it("streams a directory in many pieces, byte for byte", async () => {
    const made = await link.call(agent.hostId, "container.exec", {
      containerId,
      cmd: [
        "sh",
        "-c",
        "mkdir /big && dd if=/dev/urandom of=/big/random bs=1M count=3 2>/dev/null && sha256sum /big/random",
      ],
    });
    const { archive, result } = await readFiles(containerId, "/big");
    expect(result).toMatchObject({ bytes: archive.length, sha256: sha256(archive) });
    expect(archive.length).toBeGreaterThan(3 * 1024 * 1024);
    const out = join(scratch, "big-out");
    await mkdir(out);
    await writeFile(join(scratch, "big.tar"), archive);
    await run("tar", ["-x", "-f", join(scratch, "big.tar"), "-C", out]);
    expect(made.stdout.split(" ")[0]).toBe(sha256(await readFile(join(out, "big", "random"))));
  });

  it("refuses to read a file of more than 1 GiB before reading any", async () => {
    // Sparse: the size is what counts, and nothing of it is written.
    await link.call(agent.hostId, "container.exec", {
      containerId,
      cmd: ["truncate", "-s", "1025M", "/big/sparse"],
    });
    try {
      const error = await caught(readFiles(containerId, "/big/sparse"));
      expect(error.code).toBe("invalid");
      expect(error.message).toBe(
        '"/big/sparse" is too large: its tar archive is over 1 GiB, the most one read carries',
      );
    } finally {
      // A commit would write it out whole.
      await link.call(agent.hostId, "container.exec", { containerId, cmd: ["rm", "/big/sparse"] });
    }
  });

  it("waits for a container to stop and answers its exit code", async () => {
    const exiting = await link.call(agent.hostId, "container.create", {
      name: testName("cmd-exit"),
      image: testImage,
      command: ["sh", "-c", "sleep 1; exit 7"],
      labels: suiteLabels,
    });
    expect(await link.call(agent.hostId, "container.wait", { containerId: exiting.id })).toEqual({
      exitCode: 7,
    });
    expect((await docker.docker.getContainer(exiting.id).inspect()).State).toMatchObject({
      Running: false,
      ExitCode: 7,
    });
    await link.call(agent.hostId, "container.remove", { containerId: exiting.id });
  });

  it("ends a wait at the call's deadline and when the caller cancels it", async () => {
    const late = await caught(
      link.call(agent.hostId, "container.wait", { containerId }, { timeoutMs: 1000 }),
    );
    expect(late.code).toBe("timeout");
    const caller = new AbortController();
    const waiting = link.call(agent.hostId, "container.wait", { containerId }, { signal: caller.signal });
    setTimeout(() => caller.abort(), 500);
    expect((await caught(waiting)).code).toBe("cancelled");
    expect((await docker.docker.getContainer(containerId).inspect()).State.Running).toBe(true);
  });

  it("is committed to a labelled image, which is then removed", async () => {
    const ref = `${testName("cmd-commit")}:1`;
    const { imageId } = await link.call(agent.hostId, "container.commit", {
      containerId,
      ref,
      comment: "dftest commit",
      changes: Object.entries(suiteLabels).map(([key, value]) => `LABEL ${key}=${value}`),
    });
    try {
      const image = await docker.docker.getImage(imageId).inspect();
      expect(image).toMatchObject({ Comment: "dftest commit", RepoTags: [ref] });
      expect(image.Config.Labels).toMatchObject(suiteLabels);
      expect((await docker.docker.getContainer(containerId).inspect()).State.Paused).toBe(false);
    } finally {
      const removed = await link.call(agent.hostId, "image.remove", { image: imageId, force: true });
      expect(removed.deleted).toContain(imageId);
    }
  });

  it("changes its memory limit and restart policy", async () => {
    const memoryBytes = 64 * 1024 * 1024;
    const update = {
      containerId,
      memoryBytes,
      memorySwapBytes: -1,
      restartPolicy: { name: "unless-stopped" as const },
    };
    expect(await link.call(agent.hostId, "container.update", update)).toEqual({
      warnings: expect.any(Array),
    });
    const inspected = await docker.docker.getContainer(containerId).inspect();
    expect(inspected.HostConfig.Memory).toBe(memoryBytes);
    expect(inspected.HostConfig.RestartPolicy?.Name).toBe("unless-stopped");
    const details = await link.call(agent.hostId, "container.inspect", { containerId });
    expect(details.resources.memoryBytes).toBe(memoryBytes);
  });

  it("is renamed", async () => {
    const name = testName("cmd-renamed");
    await link.call(agent.hostId, "container.rename", { containerId, name });
    expect((await docker.docker.getContainer(containerId).inspect()).Name).toBe(`/${name}`);
  });

  it("answers not_found for a container that does not exist", async () => {
    const error = await caught(link.call(agent.hostId, "container.top", { containerId: "dftest-cmd-none" }));
    expect(error).toMatchObject({ code: "docker", dockerCode: "not_found" });
    expect(error.message).toMatch(/No such container/i);
  });
});

describe("security posture", () => {
  it("finds a privileged container and not a plain one", async () => {
    // Created, not started: this sandbox cannot start privileged containers ("unable to apply caps"),
    // and the rules read only the configuration.
    const privileged = await docker.docker.createContainer({
      name: testName("cmd-priv"),
      Image: testImage,
      Cmd: sleeper,
      Labels: suiteLabels,
      HostConfig: { Privileged: true, NetworkMode: "none" },
    });
    const ids = (posture: { findings: { id: string }[] }) => posture.findings.map((f) => f.id);
    const risky = await link.call(agent.hostId, "posture.container", { containerId: privileged.id });
    expect(ids(risky)).toContain("container.privileged");
    const plain = await link.call(agent.hostId, "posture.container", { containerId });
    expect(ids(plain)).not.toContain("container.privileged");
    expect(ids(plain)).toContain("container.root_user");

    const host = await link.call(agent.hostId, "posture.host", {});
    const byId = new Map(host.containers.map((c) => [c.id, ids(c)]));
    expect(byId.get(privileged.id)).toEqual(ids(risky));
    expect(byId.get(containerId)).toEqual(ids(plain));
    expect(host.counts.high).toBeGreaterThanOrEqual(1);
    await link.call(agent.hostId, "container.remove", { containerId: privileged.id });
  });
});

describe("images", () => {
  const repository = testName("cmd-img");
  const tagged = `${repository}:1`;

  it("tags local/busybox, then lists, inspects and reads the history of the tag", async () => {
    await link.call(agent.hostId, "image.tag", { source: testImage, target: tagged });
    const busybox = await docker.docker.getImage(testImage).inspect();
    const listed = await link.call(agent.hostId, "image.list", { reference: repository });
    expect(listed).toEqual([
      expect.objectContaining({ id: busybox.Id, repoTags: expect.arrayContaining([tagged]) }),
    ]);
    const inspected = await link.call(agent.hostId, "image.inspect", { image: tagged });
    expect(inspected).toMatchObject({
      Id: busybox.Id,
      Os: "linux",
      RepoTags: expect.arrayContaining([tagged]),
    });
    const history = await link.call(agent.hostId, "image.history", { image: tagged });
    expect(history[0]).toMatchObject({ id: busybox.Id, tags: expect.arrayContaining([tagged]) });
  });

  it("removes the tag and leaves the image", async () => {
    const removed = await link.call(agent.hostId, "image.remove", { image: tagged });
    expect(removed).toEqual({ untagged: [tagged], deleted: [] });
    expect((await docker.docker.getImage(testImage).inspect()).RepoTags).not.toContain(tagged);
    const error = await caught(link.call(agent.hostId, "image.inspect", { image: tagged }));
    expect(error).toMatchObject({ code: "docker", dockerCode: "not_found" });
  });
});

describe("prunes limited to this file's label", () => {
  it("prune only unused resources carrying the label", async () => {
    const spareVolume = testName("cmd-spare");
    await link.call(agent.hostId, "volume.create", { name: spareVolume, labels: suiteLabels });
    const spareNetwork = await link.call(agent.hostId, "network.create", {
      name: testName("cmd-spare"),
      labels: suiteLabels,
    });
    await link.call(agent.hostId, "network.connect", { network, container: containerId });
    // An untagged image of our own, labelled like everything else here: what an image prune removes.
    const imageId = await commitContainer(docker, {
      container: containerId,
      changes: Object.entries(suiteLabels).map(([key, value]) => `LABEL ${key}=${value}`),
    });

    const images = await link.call(agent.hostId, "image.prune", { labels: ours });
    expect(images.deleted).toContain(imageId);
    const volumes = await link.call(agent.hostId, "volume.prune", { labels: ours, all: true });
    expect(volumes.deleted).toEqual([spareVolume]);
    const networks = await link.call(agent.hostId, "network.prune", { labels: ours });
    expect(networks.deleted).toEqual([spareNetwork.name]);
    // The container still uses the first volume and network: both stay.
    await docker.docker.getVolume(volume).inspect();
    await docker.docker.getNetwork(network).inspect();
  });
});

describe("removal", () => {
  it("removes the container, the network and the volume", async () => {
    await link.call(agent.hostId, "container.remove", { containerId, force: true });
    await link.call(agent.hostId, "network.remove", { network });
    await link.call(agent.hostId, "volume.remove", { name: volume });
    expect(await link.call(agent.hostId, "volume.list", { labels: ours, withSizes: false })).toEqual([]);
    expect((await docker.docker.listNetworks({ filters: { name: [network] } })).map((n) => n.Name)).toEqual(
      [],
    );
  });
});
