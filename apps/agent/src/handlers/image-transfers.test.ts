import type { ImageTransferProgress } from "@dockfleet/protocol";
import type { ImageProgress } from "@dockfleet/runtime";
import { describe, expect, it } from "vitest";
import { followTransfer } from "./image-transfers.ts";

async function* events(list: ImageProgress[]) {
  yield* list;
}

describe("an image transfer's progress", () => {
  it("keeps every layer's latest step, its byte counts through steps that carry none, and the digest", async () => {
    const reports: ImageTransferProgress[] = [];
    const result = await followTransfer(
      "registry:5000/app:1",
      events([
        { kind: "status", status: "Pulling from app" },
        { kind: "layer", layer: "aaaaaaaaaaaa", status: "Downloading", current: 10, total: 100 },
        { kind: "layer", layer: "bbbbbbbbbbbb", status: "Already exists", current: null, total: null },
        { kind: "layer", layer: "aaaaaaaaaaaa", status: "Downloading", current: 100, total: 100 },
        { kind: "layer", layer: "aaaaaaaaaaaa", status: "Pull complete", current: null, total: null },
        { kind: "digest", digest: `sha256:${"1".repeat(64)}` },
        { kind: "status", status: "Status: Downloaded newer image for registry:5000/app:1" },
      ]),
      (report) => reports.push(report),
    );
    expect(result).toEqual({ image: "registry:5000/app:1", digest: `sha256:${"1".repeat(64)}` });
    expect(reports).toHaveLength(7);
    expect(reports[1]).toEqual({
      layers: [{ layer: "aaaaaaaaaaaa", status: "Downloading", current: 10, total: 100 }],
      status: "Pulling from app",
    });
    expect(reports.at(-1)).toEqual({
      layers: [
        { layer: "aaaaaaaaaaaa", status: "Pull complete", current: 100, total: 100 },
        { layer: "bbbbbbbbbbbb", status: "Already exists", current: null, total: null },
      ],
      status: "Status: Downloaded newer image for registry:5000/app:1",
    });
  });

  it("ends with the Engine's failure", async () => {
    async function* failing(): AsyncGenerator<ImageProgress> {
      yield { kind: "status", status: "Pulling from app" };
      throw new Error("manifest unknown");
    }
    await expect(followTransfer("app:1", failing(), () => undefined)).rejects.toThrow("manifest unknown");
  });
});
