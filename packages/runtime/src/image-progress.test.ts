import { describe, expect, it } from "vitest";
import { toImageProgress } from "./image-progress.ts";

describe("toImageProgress", () => {
  it("reads layer steps with byte counts", () => {
    expect(
      toImageProgress({
        status: "Downloading",
        id: "a1b2c3d4e5f6",
        progressDetail: { current: 1024, total: 4096 },
        progress: "[==>   ]",
      }),
    ).toEqual({ kind: "layer", layer: "a1b2c3d4e5f6", status: "Downloading", current: 1024, total: 4096 });
    expect(toImageProgress({ status: "Pull complete", id: "a1b2c3d4e5f6", progressDetail: {} })).toEqual({
      kind: "layer",
      layer: "a1b2c3d4e5f6",
      status: "Pull complete",
      current: null,
      total: null,
    });
  });

  it("reads digests from pull status lines and push aux messages", () => {
    const digest = `sha256:${"ab".repeat(32)}`;
    expect(toImageProgress({ status: `Digest: ${digest}` })).toEqual({ kind: "digest", digest });
    expect(toImageProgress({ aux: { Tag: "v1", Digest: digest, Size: 528 } })).toEqual({
      kind: "digest",
      digest,
    });
  });

  it("keeps other lines as status, naming the tag they are about", () => {
    expect(toImageProgress({ status: "Pulling from team/app", id: "v1" })).toEqual({
      kind: "status",
      status: "v1: Pulling from team/app",
    });
    expect(toImageProgress({ status: "Status: Image is up to date for x:y" })).toEqual({
      kind: "status",
      status: "Status: Image is up to date for x:y",
    });
    expect(toImageProgress({ progressDetail: {} })).toBeUndefined();
  });
});
