import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DockerClient } from "./client.ts";
import { isRuntimeError } from "./errors.ts";
import { mustRun, removeSuiteResources, startSleeper, suiteLabels } from "./run-testing.ts";
import { testClient, testName } from "./testing.ts";
import { createVolume, inspectVolume, listVolumes, pruneVolumes, removeVolume } from "./volumes.ts";

let client: DockerClient;

beforeAll(async () => {
  client = await testClient();
});

afterAll(async () => {
  await removeSuiteResources(client);
});

describe("volumes", () => {
  it("creates with driver options and labels, and inspects", async () => {
    const name = testName("vol");
    const created = await createVolume(client, {
      name,
      driverOpts: { type: "tmpfs", device: "tmpfs", o: "size=8m" },
      labels: { ...suiteLabels, role: "cache" },
    });
    expect(created).toMatchObject({ name, driver: "local", labels: { role: "cache" } });
    const inspected = await inspectVolume(client, name);
    expect(inspected.options).toEqual({ type: "tmpfs", device: "tmpfs", o: "size=8m" });
    expect(inspected.usedBy).toEqual([]);
    await removeVolume(client, name);
  });

  it("lists with size and the containers using each volume", async () => {
    const name = testName("vol");
    await createVolume(client, { name, labels: suiteLabels });
    await mustRun(client, "dd if=/dev/zero of=/v/blob bs=1024 count=300 2>/dev/null", [`${name}:/v`]);
    const user = await startSleeper(client, [`${name}:/data:ro`]);
    const [listed] = await listVolumes(client, {
      filter: { labels: { [Object.keys(suiteLabels)[0] as string]: "1" } },
    }).then((all) => all.filter((v) => v.name === name));
    expect(listed?.sizeBytes).toBeGreaterThanOrEqual(300 * 1024);
    expect(listed?.usedBy).toEqual([
      expect.objectContaining({ id: user, state: "running", destination: "/data", readOnly: true }),
    ]);
    const removal = await removeVolume(client, name).catch((e: unknown) => e);
    expect(isRuntimeError(removal, "conflict")).toBe(true);
  });

  it("rejects a bad name as invalid_spec and a missing volume as not_found", async () => {
    const bad = await createVolume(client, { name: "-nope" }).catch((e: unknown) => e);
    expect(isRuntimeError(bad, "invalid_spec")).toBe(true);
    const missing = await inspectVolume(client, testName("missing")).catch((e: unknown) => e);
    expect(isRuntimeError(missing, "not_found")).toBe(true);
  });

  it("prunes only unused volumes matching the label", async () => {
    const mark = { ...suiteLabels, "dftest.prune": testName("p") };
    const unused = testName("vol");
    const used = testName("vol");
    await createVolume(client, { name: unused, labels: mark });
    await createVolume(client, { name: used, labels: mark });
    await startSleeper(client, [`${used}:/data`]);
    const report = await pruneVolumes(client, {
      labels: { "dftest.prune": mark["dftest.prune"] },
      all: true,
    });
    expect(report.deleted).toEqual([unused]);
    await expect(inspectVolume(client, used)).resolves.toMatchObject({ name: used });
  });
});
