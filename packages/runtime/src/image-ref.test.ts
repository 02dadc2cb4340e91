import { describe, expect, it } from "vitest";
import { ImageRef, splitRef } from "./image-ref.ts";

describe("splitRef", () => {
  it("tells a registry port from a tag", () => {
    expect(splitRef("127.0.0.1:5000/team/app:1.2")).toEqual({
      repository: "127.0.0.1:5000/team/app",
      tag: "1.2",
      digest: undefined,
    });
    expect(splitRef("127.0.0.1:5000/team/app")).toEqual({
      repository: "127.0.0.1:5000/team/app",
      tag: undefined,
      digest: undefined,
    });
    expect(splitRef("busybox")).toEqual({ repository: "busybox", tag: undefined, digest: undefined });
    expect(splitRef(`app@sha256:${"a".repeat(64)}`)).toEqual({
      repository: "app",
      tag: undefined,
      digest: `sha256:${"a".repeat(64)}`,
    });
  });
});

describe("ImageRef", () => {
  it("accepts references and refuses obvious mistakes", () => {
    for (const ok of [
      "busybox",
      "local/busybox:latest",
      "127.0.0.1:5000/dftest-x:v1",
      "Registry.example:5000/a/b:Tag_1",
    ]) {
      expect(ImageRef.safeParse(ok).success, ok).toBe(true);
    }
    for (const bad of ["", "Busybox", "has space", "team/App:1", ":tag"]) {
      expect(ImageRef.safeParse(bad).success, bad).toBe(false);
    }
  });
});
