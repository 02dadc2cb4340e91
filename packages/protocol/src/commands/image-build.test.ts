import { describe, expect, it } from "vitest";
import { parseCommandInput, parseCommandProgress, parseCommandResult } from "../commands.ts";
import { linkFailure as failure } from "../testing.ts";
import { buildContextLimitBytes } from "./jobs.ts";

describe("image builds", () => {
  const dockerfile = "FROM scratch\nCOPY . /";
  const build = (input: object) => failure(() => parseCommandInput("image.build", { dockerfile, ...input }));
  const bytes = (count: number) => Buffer.alloc(count).toString("base64");

  it("fill the runtime's defaults and take file contents as base64", () => {
    const files = [{ path: "app/main.sh", contentBase64: bytes(3), mode: 0o755 }];
    expect(parseCommandInput("image.build", { dockerfile, files })).toEqual({
      dockerfile,
      files,
      buildArgs: {},
      labels: {},
      noCache: false,
    });
    expect(build({ files: [{ path: "a", contentBase64: "not base64!" }] }).message).toContain(
      "files.0.contentBase64: base64-encoded bytes",
    );
  });

  it("refuse paths outside the context, and a Dockerfile among the files", () => {
    for (const path of ["/etc/passwd", "../secret", "a/../../b"]) {
      expect(build({ files: [{ path, contentBase64: "" }] }).message).toContain(
        "files.0.path: must be relative",
      );
    }
    expect(build({ files: [{ path: "Dockerfile", contentBase64: "" }] }).message).toBe(
      "image.build input: files.0.path: the Dockerfile goes in `dockerfile`, not among the files",
    );
  });

  it("cap the whole context at 8 MiB, naming where it passes", () => {
    const half = bytes(buildContextLimitBytes / 2);
    const passed = build({ files: ["a", "b", "c"].map((path) => ({ path, contentBase64: half })) });
    expect(passed.message).toBe(
      "image.build input: files.1.contentBase64: the Dockerfile and the files up to here come to more than 8 MiB, the most one build carries",
    );
    expect(
      failure(() => parseCommandInput("image.build", { dockerfile: "x".repeat(buildContextLimitBytes + 1) }))
        .message,
    ).toMatch(/^image\.build input: dockerfile: the Dockerfile and the files up to here/);
    const fits = [{ path: "a", contentBase64: bytes(buildContextLimitBytes - dockerfile.length) }];
    expect(parseCommandInput("image.build", { dockerfile, files: fits }).files).toHaveLength(1);
  });

  it("report the step and at most 40 lines; answer at most 200", () => {
    const step = { number: 2, total: 3, instruction: "RUN make" };
    expect(parseCommandProgress("image.build", { step, log: ["ok"] })).toEqual({ step, log: ["ok"] });
    const lines = (count: number) => Array(count).fill("line");
    expect(failure(() => parseCommandProgress("image.build", { step: null, log: lines(41) })).code).toBe(
      "invalid",
    );
    const result = { imageId: "sha256:abc", tag: null, log: lines(200) };
    expect(parseCommandResult("image.build", result)).toEqual(result);
    expect(failure(() => parseCommandResult("image.build", { ...result, log: lines(201) })).code).toBe(
      "invalid",
    );
  });
});
