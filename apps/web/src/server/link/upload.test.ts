import { createHash, randomBytes } from "node:crypto";
import { LinkError, type StreamInput } from "@dockfleet/protocol";
import { describe, expect, it } from "vitest";
import { Channel } from "./channel.ts";
import { type UploadStream, uploadThroughStream } from "./upload.ts";

const tick = () => new Promise((resolve) => setImmediate(resolve));
/** Lets the uploader run until it waits (for credits or for the source). */
const settle = async () => {
  for (let i = 0; i < 5; i++) await tick();
};

/** A scripted agent's end of `image.load`: records what was sent, credits when the test says so. */
function scriptedStream() {
  const chunks = new Channel<{ items: { received: number }[]; dropped: number }>();
  const sent: StreamInput<"image.load">[] = [];
  let finish!: { resolve(images: string[]): void; reject(error: unknown): void };
  const result = new Promise<{ images: string[] }>((resolve, reject) => {
    finish = { resolve: (images) => resolve({ images }), reject };
  });
  result.catch(() => undefined);
  let cancelled = false;
  const stream: UploadStream<{ images: string[] }> = {
    result,
    send: (input) => sent.push(input),
    cancel: () => {
      cancelled = true;
      chunks.cancel();
    },
    [Symbol.asyncIterator]: () => chunks[Symbol.asyncIterator](),
  };
  const data = () => sent.flatMap((m) => (m.kind === "data" ? [m.data] : []));
  return {
    stream,
    data,
    sent,
    get cancelled() {
      return cancelled;
    },
    credit: (received: number) => chunks.offer({ items: [{ received }], dropped: 0 }),
    /** Credits everything sent so far. */
    creditAll: () => chunks.offer({ items: [{ received: Buffer.concat(data()).length }], dropped: 0 }),
    succeed(images: string[]) {
      chunks.end();
      finish.resolve(images);
    },
    fail(error: LinkError) {
      chunks.fail(error);
      finish.reject(error);
    },
  };
}

async function* inBuffers(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

describe("uploadThroughStream", () => {
  it("keeps at most `window` pieces unacknowledged, then ends with the sha256 of all of them", async () => {
    const agent = scriptedStream();
    const bytes = randomBytes(10 * 1000 + 7);
    const upload = uploadThroughStream(agent.stream, inBuffers(bytes, 333), { window: 3, pieceBytes: 1000 });
    await settle();
    expect(agent.sent).toHaveLength(3);

    // Credit for one and a half pieces frees exactly one slot.
    agent.credit(1500);
    await settle();
    expect(agent.sent).toHaveLength(4);

    for (let step = 0; step < 10; step++) {
      agent.creditAll();
      await settle();
    }
    const last = agent.sent.at(-1);
    expect(last).toEqual({ kind: "end", sha256: createHash("sha256").update(bytes).digest("hex") });
    const pieces = agent.data();
    expect(pieces.map((p) => p.length)).toEqual([...Array(10).fill(1000), 7]);
    expect(Buffer.concat(pieces).equals(bytes)).toBe(true);

    agent.succeed(["local/app:1"]);
    expect(await upload).toEqual({ images: ["local/app:1"] });
  });

  it("never has more than `window` pieces in flight when the agent credits as it goes", async () => {
    const agent = scriptedStream();
    const window = 4;
    let highest = 0;
    const send = agent.stream.send;
    let credited = 0;
    agent.stream.send = (input) => {
      send(input);
      const inFlight = agent.data().filter((_, i) => (i + 1) * 512 > credited).length;
      highest = Math.max(highest, inFlight);
    };
    const upload = uploadThroughStream(agent.stream, inBuffers(randomBytes(50 * 512), 4096), {
      window,
      pieceBytes: 512,
    });
    while (agent.sent.at(-1)?.kind !== "end") {
      await settle();
      // The agent takes one piece at a time.
      credited = Math.min(credited + 512, agent.data().length * 512);
      agent.credit(credited);
    }
    agent.succeed([]);
    await upload;
    expect(agent.data()).toHaveLength(50);
    expect(highest).toBe(window);
  });

  it("stops sending and fails with the agent's error once the stream failed", async () => {
    const agent = scriptedStream();
    const upload = uploadThroughStream(agent.stream, inBuffers(randomBytes(8000), 1000), {
      window: 2,
      pieceBytes: 1000,
    });
    await settle();
    agent.fail(new LinkError("docker", "load images: no space left on device", "engine"));
    await expect(upload).rejects.toMatchObject({ code: "docker", message: /no space left/ });
    expect(agent.sent).toHaveLength(2);
    expect(agent.sent.some((m) => m.kind === "end")).toBe(false);
  });

  it("cancels the stream when the source fails, and fails with the source's error", async () => {
    const agent = scriptedStream();
    async function* broken(): AsyncGenerator<Buffer> {
      yield randomBytes(100);
      throw new Error("disk read failed");
    }
    await expect(uploadThroughStream(agent.stream, broken(), { pieceBytes: 64 })).rejects.toThrow(
      "disk read failed",
    );
    expect(agent.cancelled).toBe(true);
    expect(agent.sent.some((m) => m.kind === "end")).toBe(false);
  });
});
