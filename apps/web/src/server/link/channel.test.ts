import { describe, expect, it } from "vitest";
import { Channel } from "./channel.ts";

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("Channel", () => {
  it("hands items to the consumer in order, then the end", async () => {
    const channel = new Channel<number>();
    await channel.push(1);
    channel.offer(2);
    channel.end();
    const seen: number[] = [];
    for await (const item of channel) seen.push(item);
    expect(seen).toEqual([1, 2]);
    expect(await channel.push(3)).toBe(false);
  });

  it("makes the producer wait while it is full", async () => {
    const channel = new Channel<number>(2);
    await channel.push(1);
    await channel.push(2);
    let third = false;
    const pushing = channel.push(3).then((queued) => {
      third = queued;
    });
    await tick();
    expect(third).toBe(false);
    expect(channel.size).toBe(2);
    expect(await channel.next()).toEqual({ done: false, value: 1 });
    await pushing;
    expect(third).toBe(true);
    expect(channel.size).toBe(2);
  });

  it("delivers what was queued before a failure, then the failure", async () => {
    const channel = new Channel<string>();
    channel.offer("a");
    channel.fail(new Error("offline"));
    expect(await channel.next()).toEqual({ done: false, value: "a" });
    await expect(channel.next()).rejects.toThrow("offline");
  });

  it("tells the producer when the consumer stops, and calls onCancel once", async () => {
    let cancels = 0;
    const channel = new Channel<number>(1, () => {
      cancels += 1;
    });
    await channel.push(1);
    const waiting = channel.push(2);
    await channel[Symbol.asyncIterator]().return?.();
    expect(await waiting).toBe(false);
    expect(await channel.next()).toEqual({ done: true, value: undefined });
    expect(cancels).toBe(1);
    channel.cancel();
    expect(cancels).toBe(1);
  });

  it("does not call onCancel after the producer ended", async () => {
    let cancels = 0;
    const channel = new Channel<number>(1, () => {
      cancels += 1;
    });
    channel.end();
    channel.cancel();
    expect(cancels).toBe(0);
  });

  it("wakes a waiting consumer", async () => {
    const channel = new Channel<number>();
    const next = channel.next();
    await tick();
    channel.offer(7);
    expect(await next).toEqual({ done: false, value: 7 });
  });
});
