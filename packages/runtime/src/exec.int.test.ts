import type { Duplex } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DockerClient } from "./client.ts";
import { isRuntimeError } from "./errors.ts";
import { execInteractive, execRun } from "./exec.ts";
import { removeCreated, runTestContainer, waitForExit } from "./test-containers.ts";
import { testClient } from "./testing.ts";

let client: DockerClient;
let id: string;

beforeAll(async () => {
  client = await testClient();
  id = (await runTestContainer(client, "sleep 3600")).id;
});

afterAll(async () => {
  await removeCreated(client);
});

/** Reads the terminal until `pattern` shows up; returns everything read so far. */
function readUntil(stream: Duplex, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let screen = "";
    const onData = (chunk: Buffer) => {
      screen += chunk.toString("utf8");
      if (pattern.test(screen)) {
        stream.off("data", onData);
        resolve(screen);
      }
    };
    stream.on("data", onData);
    stream.once("error", reject);
  });
}

describe("exec", () => {
  it("runs a command and returns its exit code with stdout and stderr apart", async () => {
    const result = await execRun(client, id, {
      cmd: ["sh", "-c", "echo out; echo err >&2; echo more; exit 3"],
    });
    expect(result).toEqual({ exitCode: 3, stdout: "out\nmore\n", stderr: "err\n", truncated: false });
  });

  it("passes env, user, working dir and stdin", async () => {
    const result = await execRun(client, id, {
      cmd: ["sh", "-c", 'echo "$GREETING"; id -u; pwd; wc -c'],
      env: { GREETING: "hi there" },
      user: "1234",
      workingDir: "/tmp",
      stdin: "twelve bytes",
    });
    expect(result.stdout.split("\n").map((l) => l.trim())).toEqual(["hi there", "1234", "/tmp", "12", ""]);
    expect(result.exitCode).toBe(0);
  });

  it("caps the output it keeps", async () => {
    const result = await execRun(client, id, {
      cmd: ["head", "-c", "100000", "/dev/zero"],
      maxOutputBytes: 1000,
    });
    expect(result.stdout.length).toBe(1000);
    expect(result.truncated).toBe(true);
    expect(result.exitCode).toBe(0);
  });

  it("runs an interactive shell with a TTY, resizes it and reports its exit code", async () => {
    const session = await execInteractive(client, id, { cmd: ["sh"], size: { rows: 24, cols: 80 } });
    session.stream.write("echo hi-$((1+2))\n");
    await readUntil(session.stream, /hi-3/);
    await session.resize({ rows: 40, cols: 100 });
    session.stream.write("stty size\n");
    await readUntil(session.stream, /40 100/);
    session.stream.write("exit 7\n");
    session.stream.resume();
    expect(await session.exit).toBe(7);
  });

  it("names a stopped or unknown container and a bad spec", async () => {
    const stopped = await runTestContainer(client, "true");
    await waitForExit(stopped);
    await expect(execRun(client, stopped.id, { cmd: ["true"] })).rejects.toSatisfy((e) =>
      isRuntimeError(e, "conflict"),
    );
    await expect(execRun(client, "dftest-missing", { cmd: ["true"] })).rejects.toSatisfy((e) =>
      isRuntimeError(e, "not_found"),
    );
    await expect(execRun(client, id, { cmd: [] })).rejects.toSatisfy((e) =>
      isRuntimeError(e, "invalid_spec"),
    );
  });
});
