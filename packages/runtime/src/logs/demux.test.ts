import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { encodeFrame, type Frame, FrameDemuxer, FrameError, type StreamName } from "./demux.ts";

/** A tiny seeded PRNG so a failing fuzz case can be replayed from its seed. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function randomFrames(random: () => number, count: number): Frame[] {
  return Array.from({ length: count }, () => {
    const stream: StreamName = random() < 0.5 ? "stdout" : "stderr";
    const size = random() < 0.1 ? 0 : Math.floor(random() * (random() < 0.1 ? 40_000 : 60));
    return { stream, payload: randomBytes(size) };
  });
}

/** Cuts a buffer at random places, including 1-byte chunks and cuts inside headers. */
function cutRandomly(random: () => number, bytes: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  let at = 0;
  while (at < bytes.length) {
    const size = random() < 0.3 ? 1 + Math.floor(random() * 9) : 1 + Math.floor(random() * 5000);
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

describe("FrameDemuxer", () => {
  it("splits whole frames in one chunk", () => {
    const bytes = Buffer.concat([
      encodeFrame("stdout", Buffer.from("a\n")),
      encodeFrame("stderr", Buffer.from("b\n")),
    ]);
    const frames = new FrameDemuxer().push(bytes);
    expect(frames.map((f) => [f.stream, f.payload.toString()])).toEqual([
      ["stdout", "a\n"],
      ["stderr", "b\n"],
    ]);
  });

  it("waits for a header split across chunks", () => {
    const bytes = encodeFrame("stderr", Buffer.from("hello"));
    const demuxer = new FrameDemuxer();
    expect(demuxer.push(bytes.subarray(0, 3))).toEqual([]);
    expect(demuxer.push(bytes.subarray(3, 9))).toEqual([]);
    const frames = demuxer.push(bytes.subarray(9));
    expect(frames).toHaveLength(1);
    expect(frames[0]?.payload.toString()).toBe("hello");
    expect(demuxer.pending).toBe(0);
  });

  it("rejects bytes that are not frames", () => {
    expect(() => new FrameDemuxer().push(Buffer.from("2024-01-01T00:00:00Z raw tty"))).toThrow(FrameError);
  });

  it.each(Array.from({ length: 200 }, (_, seed) => seed))("reassembles fuzzed chunking (seed %i)", (seed) => {
    const random = prng(seed + 1);
    const frames = randomFrames(random, 1 + Math.floor(random() * 30));
    const bytes = Buffer.concat(frames.map((f) => encodeFrame(f.stream, f.payload)));
    const demuxer = new FrameDemuxer();
    const out = cutRandomly(random, bytes).flatMap((chunk) => demuxer.push(chunk));
    expect(out.map((f) => f.stream)).toEqual(frames.map((f) => f.stream));
    expect(out.every((frame, i) => frame.payload.equals(frames[i]?.payload as Buffer))).toBe(true);
    expect(demuxer.pending).toBe(0);
  });
});
