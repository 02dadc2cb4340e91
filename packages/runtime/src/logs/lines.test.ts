import { describe, expect, it } from "vitest";
import { encodeFrame, FrameDemuxer } from "./demux.ts";
import { FrameLineParser, RawLineParser, splitTimestamp } from "./lines.ts";

const t1 = "2026-11-23T07:20:26.423633696Z";
const t2 = "2026-11-23T07:20:26.423824104Z";

describe("splitTimestamp", () => {
  it("reads Docker's fixed form and normalises others", () => {
    expect(splitTimestamp(Buffer.from(`${t1} hi`))?.timestamp).toBe(t1);
    expect(splitTimestamp(Buffer.from("2026-11-23T08:20:26.5+01:00 hi"))?.timestamp).toBe(
      "2026-11-23T07:20:26.500000000Z",
    );
    expect(splitTimestamp(Buffer.from("no timestamp here"))).toBeUndefined();
  });
});

describe("FrameLineParser", () => {
  it("keeps stdout and stderr apart", () => {
    const parser = new FrameLineParser();
    const lines = [
      ...parser.push({ stream: "stderr", payload: Buffer.from(`${t1} oops\n`) }),
      ...parser.push({ stream: "stdout", payload: Buffer.from(`${t2} fine\n`) }),
    ];
    expect(lines).toEqual([
      { stream: "stderr", timestamp: t1, line: "oops" },
      { stream: "stdout", timestamp: t2, line: "fine" },
    ]);
  });

  it("joins the pieces of a long message that share one timestamp", () => {
    const parser = new FrameLineParser();
    expect(parser.push({ stream: "stdout", payload: Buffer.from(`${t1} ${"x".repeat(10)}`) })).toEqual([]);
    expect(parser.push({ stream: "stderr", payload: Buffer.from(`${t2} between\n`) })).toHaveLength(1);
    const lines = parser.push({ stream: "stdout", payload: Buffer.from(`${t1} yy\n`) });
    expect(lines).toEqual([{ stream: "stdout", timestamp: t1, line: `${"x".repeat(10)}yy` }]);
  });

  it("keeps empty lines and multibyte text", () => {
    const parser = new FrameLineParser();
    const lines = parser.push({ stream: "stdout", payload: Buffer.from(`${t1} \n${t2} héllo ✓\n`) });
    expect(lines.map((l) => l.line)).toEqual(["", "héllo ✓"]);
  });

  it("delivers a last piece without newline on flush", () => {
    const parser = new FrameLineParser();
    parser.push({ stream: "stdout", payload: Buffer.from(`${t1} tail`) });
    expect(parser.flush()).toEqual([{ stream: "stdout", timestamp: t1, line: "tail" }]);
  });

  it("gives the same lines whatever the chunking", () => {
    const text = Array.from({ length: 50 }, (_, i) => `${t1} line ${i} ünï\n`);
    const bytes = Buffer.concat(text.map((t, i) => encodeFrame(i % 3 ? "stdout" : "stderr", Buffer.from(t))));
    for (const size of [1, 2, 7, 8, 9, 13, 64, 1000]) {
      const demuxer = new FrameDemuxer();
      const parser = new FrameLineParser();
      const lines = [];
      for (let at = 0; at < bytes.length; at += size) {
        for (const frame of demuxer.push(bytes.subarray(at, at + size))) lines.push(...parser.push(frame));
      }
      expect(lines.map((l) => l.line)).toEqual(text.map((_, i) => `line ${i} ünï`));
    }
  });
});

describe("RawLineParser", () => {
  it("splits a TTY stream on line ends across chunks and drops CR", () => {
    const parser = new RawLineParser();
    const bytes = Buffer.from(`${t1} one\r\n${t2} two\r\n${t2} thr`);
    const lines = [];
    for (let at = 0; at < bytes.length; at += 5) lines.push(...parser.push(bytes.subarray(at, at + 5)));
    lines.push(...parser.flush());
    expect(lines).toEqual([
      { stream: "stdout", timestamp: t1, line: "one" },
      { stream: "stdout", timestamp: t2, line: "two" },
      { stream: "stdout", timestamp: t2, line: "thr" },
    ]);
  });
});
