import { describe, expect, it } from "vitest";
import { parseCommandInput, parseCommandProgress, parseStreamInput } from "../commands.ts";
import { linkFailure as failure } from "../testing.ts";

describe("job progress", () => {
  it("is checked against the job's schema", () => {
    expect(parseCommandProgress("volume.restore", { phase: "verifying", bytes: 10, totalBytes: 20 })).toEqual(
      {
        phase: "verifying",
        bytes: 10,
        totalBytes: 20,
      },
    );
    const bad = failure(() =>
      parseCommandProgress("volume.restore", { phase: "dancing", bytes: -1, totalBytes: 1 }),
    );
    expect(bad.code).toBe("invalid");
    expect(bad.message).toMatch(/volume.restore progress: phase: .*; bytes: /);
  });

  it("does not exist for commands that are not jobs", () => {
    expect(failure(() => parseCommandProgress("container.start", {})).message).toBe(
      "container.start reports no progress",
    );
  });

  it("names archives, never paths", () => {
    for (const archive of [
      "../credential.json.tar.gz",
      "/etc/passwd.tar.gz",
      ".hidden.tar.gz",
      "a/b.tar.gz",
      "x.tar",
    ]) {
      const error = failure(() =>
        parseCommandInput("volume.restore", { volume: "data", archive, sha256: "a".repeat(64) }),
      );
      expect(error.message).toMatch(/^volume.restore input: archive: an archive name/);
    }
    expect(
      parseCommandInput("volume.restore", {
        volume: "data",
        archive: "data-20261123T104500Z-0a1b2c.tar.gz",
        sha256: "A".repeat(64),
      }),
    ).toMatchObject({ existing: "fail" });
  });
});

describe("terminal input", () => {
  it("takes keystrokes as base64 and resizes within terminal bounds", () => {
    expect(parseStreamInput("container.terminal", { kind: "stdin", data: "bHMK" })).toEqual({
      kind: "stdin",
      data: "bHMK",
    });
    expect(parseStreamInput("container.terminal", { kind: "resize", rows: 24, cols: 80 })).toEqual({
      kind: "resize",
      rows: 24,
      cols: 80,
    });
    expect(
      failure(() => parseStreamInput("container.terminal", { kind: "resize", rows: 0, cols: 80 })).message,
    ).toMatch(/^container.terminal input while running: rows:/);
    expect(
      failure(() => parseStreamInput("container.terminal", { kind: "stdin", data: "not base64!" })).code,
    ).toBe("invalid");
    const paste = Buffer.alloc(65 * 1024, "x").toString("base64");
    expect(
      failure(() => parseStreamInput("container.terminal", { kind: "stdin", data: paste })).message,
    ).toMatch(/64 KiB/);
  });

  it("is refused by streams that take none", () => {
    expect(failure(() => parseStreamInput("logs.follow", { kind: "stdin", data: "" })).message).toBe(
      "logs.follow takes no input",
    );
  });
});
