import { describe, expect, it } from "vitest";
import { createTerminalInput, fromBase64, type TerminalSend, toBase64 } from "./terminal-input.ts";

/** A receiver that answers each call when the test lets it, recording what arrived in which order. */
function receiver() {
  const calls: TerminalSend[] = [];
  const waiting: (() => void)[] = [];
  let arrived: () => void = () => {};
  return {
    calls,
    send(input: TerminalSend): Promise<void> {
      calls.push(input);
      arrived();
      return new Promise((resolve) => waiting.push(resolve));
    },
    /** Resolves once `count` calls have arrived. */
    async until(count: number): Promise<void> {
      while (calls.length < count) await new Promise<void>((resolve) => (arrived = resolve));
    },
    answer(): void {
      waiting.shift()?.();
    },
  };
}

const text = (input: TerminalSend | undefined) =>
  input?.kind === "stdin" ? new TextDecoder().decode(fromBase64(input.data)) : input;

describe("terminal input", () => {
  it("sends keys typed together as one call", async () => {
    const host = receiver();
    const input = createTerminalInput((item) => host.send(item));
    for (const key of "echo hi\r") input.type(key);
    await host.until(1);
    expect(host.calls.map(text)).toEqual(["echo hi\r"]);
    input.close();
  });

  it("keeps order: keys typed while a call is on its way go next, merged, and a resize stays between", async () => {
    const host = receiver();
    const input = createTerminalInput((item) => host.send(item));
    input.type("a");
    await host.until(1);
    input.type("b");
    input.type("c");
    input.resize(24, 80);
    input.resize(30, 100);
    input.type("d");
    host.answer();
    await host.until(2);
    host.answer();
    await host.until(3);
    host.answer();
    await host.until(4);
    expect(host.calls.map(text)).toEqual(["a", "bc", { kind: "resize", rows: 30, cols: 100 }, "d"]);
    input.close();
  });

  it("carries any character as UTF-8 bytes", async () => {
    const host = receiver();
    const input = createTerminalInput((item) => host.send(item));
    input.type("é→😀");
    await host.until(1);
    expect(host.calls.map(text)).toEqual(["é→😀"]);
    input.close();
  });

  it("reports a failed call and goes on with the next", async () => {
    const errors: unknown[] = [];
    const sent: TerminalSend[] = [];
    const input = createTerminalInput(
      async (item) => {
        sent.push(item);
        if (sent.length === 1) throw new Error("no such terminal open here");
      },
      { onError: (error) => errors.push(error) },
    );
    const sentCount = async (count: number) => {
      while (sent.length < count) await new Promise((resolve) => setTimeout(resolve, 5));
    };
    input.type("x");
    await sentCount(1);
    input.type("y");
    await sentCount(2);
    expect(sent.map(text)).toEqual(["x", "y"]);
    expect(errors.map((error) => (error as Error).message)).toEqual(["no such terminal open here"]);
    input.close();
  });

  it("round-trips any bytes through base64", () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, index) => index);
    expect(fromBase64(toBase64(bytes))).toEqual(bytes);
  });
});
