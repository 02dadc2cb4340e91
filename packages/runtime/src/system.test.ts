import { describe, expect, it } from "vitest";
import type { DockerClient } from "./client.ts";
import { diskUsage } from "./system.ts";

/** A client whose only Engine call is `df`, answering a fixed body. */
function fakeClient(df: unknown): DockerClient {
  return { docker: { df: async () => df } } as unknown as DockerClient;
}

describe("diskUsage", () => {
  it("computes reclaimable space the way docker system df does", async () => {
    const usage = await diskUsage(
      fakeClient({
        LayersSize: 1000,
        Images: [
          { Containers: 1, Size: 600, SharedSize: 100 },
          { Containers: 0, Size: 300, SharedSize: 100 },
          { Containers: 2, Size: -1, SharedSize: -1 },
        ],
        Containers: [{ State: "running", SizeRw: 10 }, { State: "exited", SizeRw: 5 }, { State: "created" }],
        Volumes: [{ UsageData: { Size: 50, RefCount: 0 } }, { UsageData: { Size: 70, RefCount: 1 } }, {}],
        BuildCache: [
          { Size: 8, InUse: false, Shared: false },
          { Size: 4, InUse: true, Shared: false },
          { Size: 2, InUse: false, Shared: true },
        ],
      }),
    );
    expect(usage).toEqual({
      images: { count: 3, sizeBytes: 1000, reclaimableBytes: 500 },
      containers: { count: 3, sizeBytes: 15, reclaimableBytes: 5 },
      volumes: { count: 3, sizeBytes: 120, reclaimableBytes: 50 },
      buildCache: { count: 3, sizeBytes: 12, reclaimableBytes: 8 },
    });
  });

  it("treats missing lists as empty", async () => {
    const usage = await diskUsage(fakeClient({ Images: null, BuildCache: null }));
    expect(usage.images).toEqual({ count: 0, sizeBytes: 0, reclaimableBytes: 0 });
  });
});
