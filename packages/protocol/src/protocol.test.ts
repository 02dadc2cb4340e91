import { RuntimeError } from "@dockfleet/runtime";
import { describe, expect, it } from "vitest";
import { agentProcedures, ConnectionParamsSchema } from "./agent-api.ts";
import {
  commandNames,
  commands,
  isCommandName,
  isStreamCommand,
  parseCommandInput,
  parseCommandResult,
  parseStreamChunk,
} from "./commands.ts";
import { ChunkMessageSchema, ConsoleMessageSchema, ResultMessageSchema } from "./envelope.ts";
import { isLinkError, LinkError, LinkErrorSchema, toLinkError } from "./errors.ts";
import { isCompatibleProtocol, protocolVersion } from "./version.ts";

const line = {
  containerId: "abc",
  stream: "stdout" as const,
  timestamp: "2026-11-23T07:20:26.000000001Z",
  line: "hello",
};

function failure(run: () => unknown): LinkError {
  try {
    run();
  } catch (error) {
    if (error instanceof LinkError) return error;
    throw error;
  }
  throw new Error("expected a LinkError");
}

describe("commands", () => {
  it("are named concept.verb", () => {
    for (const name of commandNames) expect(name).toMatch(/^[a-z]+\.[a-z]+$/);
    expect(commandNames).toEqual(
      expect.arrayContaining([
        "host.facts",
        "container.list",
        "container.inspect",
        "container.start",
        "container.stop",
        "container.restart",
        "container.kill",
        "container.pause",
        "container.unpause",
        "container.remove",
        "logs.follow",
        "stats.follow",
        "events.follow",
      ]),
    );
  });

  it("knows which ones stream", () => {
    expect(commandNames.filter(isStreamCommand).sort()).toEqual([
      "events.follow",
      "logs.follow",
      "stats.follow",
    ]);
    expect(isCommandName("container.stop")).toBe(true);
    expect(isCommandName("container.teleport")).toBe(false);
    expect(isCommandName("toString")).toBe(false);
  });

  it("fills input defaults", () => {
    expect(parseCommandInput("container.list", {})).toEqual({
      all: false,
      size: false,
      labels: {},
      filters: {},
    });
    expect(parseCommandInput("logs.follow", { containerId: "web", tail: 10 })).toEqual({
      containerId: "web",
      tail: 10,
      stdout: true,
      stderr: true,
      follow: true,
    });
    expect(parseCommandInput("stats.follow", {})).toEqual({ intervalMs: 2000 });
  });

  it("rejects bad input with an invalid error naming the field", () => {
    const error = failure(() => parseCommandInput("container.stop", { containerId: "", timeoutSeconds: -1 }));
    expect(error.code).toBe("invalid");
    expect(error.message).toContain("container.stop input");
    expect(error.message).toContain("containerId");
    expect(error.message).toContain("timeoutSeconds");
    expect(
      failure(() => parseCommandInput("logs.follow", { containerId: "x", since: "yesterday" })).code,
    ).toBe("invalid");
    expect(
      failure(() => parseCommandInput("container.kill", { containerId: "x", signal: "kill; rm" })).code,
    ).toBe("invalid");
  });

  it("checks results against the runtime's models", () => {
    expect(parseCommandResult("container.stop", null)).toBeNull();
    expect(failure(() => parseCommandResult("container.list", [{ id: 1 }])).code).toBe("invalid");
    expect(failure(() => parseCommandResult("host.facts", { hostname: "h" })).message).toContain("engine");
  });

  it("wraps stream items in chunks that count dropped items", () => {
    expect(parseStreamChunk("logs.follow", { items: [line], dropped: 0 })).toEqual({
      items: [line],
      dropped: 0,
    });
    expect(
      failure(() => parseStreamChunk("logs.follow", { items: [{ ...line, stream: "tty" }], dropped: 0 }))
        .code,
    ).toBe("invalid");
    expect(failure(() => parseStreamChunk("stats.follow", { items: [], dropped: -1 })).code).toBe("invalid");
    expect(commands["logs.follow"].overflow).toBe("pause");
    expect(commands["stats.follow"].overflow).toBe("drop-oldest");
  });

  it("gives every unary command a default deadline", () => {
    for (const name of commandNames) {
      const command = commands[name];
      if (command.kind === "unary") expect(command.defaultTimeoutMs).toBeGreaterThan(0);
    }
  });
});

describe("envelopes", () => {
  it("carry commands and cancels to the agent", () => {
    const command = {
      kind: "command",
      id: "c1",
      name: "container.stop",
      input: { containerId: "web" },
      deadline: 1,
    };
    expect(ConsoleMessageSchema.parse(command)).toEqual(command);
    expect(ConsoleMessageSchema.parse({ kind: "cancel", id: "c1", reason: "timeout" })).toMatchObject({
      kind: "cancel",
    });
    expect(ConsoleMessageSchema.safeParse({ ...command, name: "container.teleport" }).success).toBe(false);
    expect(ConsoleMessageSchema.safeParse({ ...command, deadline: undefined }).success).toBe(false);
    expect(ConsoleMessageSchema.parse({ ...command, name: "logs.follow", deadline: null })).toMatchObject({
      deadline: null,
    });
  });

  it("carry results, typed errors and chunks back", () => {
    expect(ResultMessageSchema.parse({ id: "c1", ok: true, result: null })).toEqual({
      id: "c1",
      ok: true,
      result: null,
    });
    const error = {
      id: "c1",
      ok: false,
      error: { code: "docker", message: "no such container", dockerCode: "not_found" },
    };
    expect(ResultMessageSchema.parse(error)).toEqual(error);
    expect(
      ResultMessageSchema.safeParse({ id: "c1", ok: false, error: { code: "boom", message: "" } }).success,
    ).toBe(false);
    expect(ChunkMessageSchema.safeParse({ id: "c1", seq: -1, chunk: {} }).success).toBe(false);
  });
});

describe("link errors", () => {
  it("keep the runtime's code for Docker failures", () => {
    const error = toLinkError(new RuntimeError("not_found", 'stop container "x": no such container', 404));
    expect(error).toMatchObject({
      code: "docker",
      dockerCode: "not_found",
      message: 'stop container "x": no such container',
    });
    expect(LinkErrorSchema.parse(JSON.parse(JSON.stringify(error)))).toEqual({
      code: "docker",
      dockerCode: "not_found",
      message: 'stop container "x": no such container',
    });
  });

  it("round-trip through JSON", () => {
    const error = LinkError.from(
      LinkErrorSchema.parse(JSON.parse(JSON.stringify(new LinkError("offline", "gone")))),
    );
    expect(isLinkError(error, "offline")).toBe(true);
    expect(error.message).toBe("gone");
    expect(toLinkError(new TypeError("oops"))).toMatchObject({ code: "internal", message: "oops" });
    expect(toLinkError(error)).toBe(error);
  });
});

describe("agent API", () => {
  it("only speaks its own version", () => {
    expect(isCompatibleProtocol(protocolVersion)).toBe(true);
    expect(isCompatibleProtocol(protocolVersion + 1)).toBe(false);
  });

  it("validates enrollment and hello", () => {
    expect(agentProcedures.enroll.input.safeParse({ token: "", protocolVersion: 1 }).success).toBe(false);
    expect(
      agentProcedures.hello.input.safeParse({
        protocolVersion: 1,
        agentVersion: "0.1.0",
        facts: null,
        factsError: "x",
      }).success,
    ).toBe(true);
    expect(ConnectionParamsSchema.parse({})).toEqual({});
  });
});
