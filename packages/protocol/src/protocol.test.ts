import { RuntimeError } from "@dockfleet/runtime";
import { describe, expect, it } from "vitest";
import { agentProcedures, ConnectionParamsSchema } from "./agent-api.ts";
import { maxEntries, maxStringLength } from "./commands/bounds.ts";
import {
  type CommandName,
  commandNames,
  commands,
  fileArchiveLimitBytes,
  isCommandName,
  isStreamCommand,
  parseCommandInput,
  parseCommandResult,
  parseStreamChunk,
} from "./commands.ts";
import { ChunkMessageSchema, ConsoleMessageSchema, ResultMessageSchema } from "./envelope.ts";
import { isLinkError, LinkError, LinkErrorSchema, toLinkError } from "./errors.ts";
import { linkFailure as failure } from "./testing.ts";
import { isCompatibleProtocol, protocolVersion } from "./version.ts";

const line = {
  containerId: "abc",
  stream: "stdout" as const,
  timestamp: "2026-11-23T07:20:26.000000001Z",
  line: "hello",
};

describe("commands", () => {
  it("are named concept.verb (or concept.part.verb)", () => {
    for (const name of commandNames) expect(name).toMatch(/^[a-z]+(\.[a-z]+)+$/);
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
      "container.export",
      "container.files.read",
      "container.terminal",
      "events.follow",
      "image.load",
      "image.save",
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

describe("resource commands", () => {
  const refusal = (name: CommandName, input: unknown) => failure(() => parseCommandInput(name, input));
  const image = "local/busybox:latest";

  it("cover images, volumes, networks, topology, posture and containers", () => {
    expect(commandNames).toEqual(
      expect.arrayContaining([
        ...["image.list", "image.inspect", "image.history", "image.tag", "image.remove", "image.prune"],
        ...["volume.list", "volume.inspect", "volume.create", "volume.remove", "volume.prune"],
        ...["network.list", "network.inspect", "network.create", "network.remove", "network.prune"],
        ...["network.connect", "network.disconnect", "topology.read", "posture.host", "posture.container"],
        ...["container.create", "container.update", "container.rename", "container.top", "container.stats"],
        ...["container.files.read", "container.files.write", "container.wait", "container.commit"],
      ]),
    );
  });

  it("refuse names outside Docker's rules, naming the field", () => {
    const volume = refusal("volume.create", { name: "-bad name" });
    expect(volume.code).toBe("invalid");
    expect(volume.message).toBe(
      "volume.create input: name: must match [a-zA-Z0-9][a-zA-Z0-9_.-]+ (Docker's name rule)",
    );
    expect(refusal("volume.remove", { name: "v".repeat(256) }).message).toMatch(
      /^volume\.remove input: name: /,
    );
    expect(refusal("network.inspect", { network: "a/b" }).message).toContain("network: must match");
    expect(refusal("container.rename", { containerId: "web", name: "two words" }).message).toContain(
      "name: must match",
    );
    expect(refusal("image.tag", { source: image, target: "Local/Busybox" }).message).toContain(
      "target: must be an image reference",
    );
  });

  it("refuse an empty command, a bad address, a relative path and odd ps options", () => {
    expect(refusal("container.exec", { containerId: "web", cmd: [] }).message).toContain(
      "cmd: needs the command to run",
    );
    expect(refusal("container.create", { image: "" }).message).toMatch(/^container\.create input: image: /);
    expect(
      refusal("network.connect", { network: "net", container: "web", ipv4Address: "10.0.0.300" }).message,
    ).toBe("network.connect input: ipv4Address: must be an IPv4 address");
    expect(refusal("container.files.read", { containerId: "web", path: "etc/passwd" }).message).toContain(
      "path: an absolute path",
    );
    expect(refusal("container.top", { containerId: "web", psArgs: "aux; reboot" }).message).toContain(
      "psArgs: ps options",
    );
    expect(refusal("container.update", { containerId: "web", memoryBytes: 1024 }).message).toContain(
      "memoryBytes:",
    );
  });

  it("cap strings, lists and maps, naming the oversized field", () => {
    const big = "x".repeat(maxStringLength + 1);
    expect(refusal("container.create", { image, env: { BIG: big } }).message).toBe(
      `container.create input: env.BIG: at most ${maxStringLength} characters`,
    );
    expect(
      refusal("container.create", { image, command: Array(maxEntries + 1).fill("a") }).message,
    ).toContain(`command: at most ${maxEntries} entries`);
    expect(refusal("volume.create", { labels: { [big]: "v" } }).message).toContain(
      `labels.${big}: a key of at most`,
    );
    expect(
      refusal("network.connect", { network: "net", container: "web", aliases: [big] }).message,
    ).toContain("aliases.0: at most");
    const fits = parseCommandInput("container.create", { image, env: { OK: big.slice(1) } });
    expect(fits.env.OK).toHaveLength(maxStringLength);
  });

  it("carry file archives of at most 8 MiB, base64", () => {
    const at = { containerId: "web", path: "/tmp" };
    const over = Buffer.alloc(fileArchiveLimitBytes + 1).toString("base64");
    expect(refusal("container.files.write", { ...at, archiveBase64: over }).message).toBe(
      "container.files.write input: archiveBase64: a tar archive of at most 8 MiB",
    );
    expect(refusal("container.files.write", { ...at, archiveBase64: "not base64!" }).message).toContain(
      "archiveBase64: a base64-encoded tar archive",
    );
    const fits = Buffer.alloc(fileArchiveLimitBytes).toString("base64");
    expect(parseCommandInput("container.files.write", { ...at, archiveBase64: fits })).toMatchObject({
      noOverwriteDirNonDir: true,
    });
  });

  it("read files as pieces of at most 256 KiB, ending with the archive's sha256", () => {
    const piece = (bytes: number) => ({
      items: [{ data: Buffer.alloc(bytes) }],
      dropped: 0,
    });
    expect(parseStreamChunk("container.files.read", piece(256 * 1024)).items).toHaveLength(1);
    expect(failure(() => parseStreamChunk("container.files.read", piece(256 * 1024 + 1))).message).toBe(
      `container.files.read chunk: items.0.data: a piece of at most ${256 * 1024} bytes`,
    );
    const base64 = { items: [{ data: "AAAA" }], dropped: 0 };
    expect(failure(() => parseStreamChunk("container.files.read", base64)).message).toBe(
      "container.files.read chunk: items.0.data: bytes (a Uint8Array)",
    );
    const ended = { stat: null, bytes: 10240, sha256: "a".repeat(64) };
    expect(parseCommandResult("container.files.read", ended)).toEqual(ended);
    expect(
      failure(() => parseCommandResult("container.files.read", { ...ended, sha256: "abc" })).message,
    ).toBe("container.files.read result: sha256: a sha256 in hex (64 characters)");
  });

  it("commit containers under a valid image name, the commit's lists capped", () => {
    expect(parseCommandInput("container.commit", { containerId: "web" })).toEqual({
      containerId: "web",
      changes: [],
      pause: true,
    });
    expect(refusal("container.commit", { containerId: "web", ref: "Web:1" }).message).toContain(
      "ref: must be an image reference",
    );
    const changes = Array(maxEntries + 1).fill("LABEL a=b");
    expect(refusal("container.commit", { containerId: "web", changes }).message).toBe(
      `container.commit input: changes: at most ${maxEntries} entries`,
    );
  });

  it("fill the runtime's defaults", () => {
    expect(parseCommandInput("volume.list", {})).toEqual({ withSizes: true });
    expect(parseCommandInput("image.prune", {})).toEqual({ dangling: true });
    expect(parseCommandInput("topology.read", {})).toEqual({ live: true });
    expect(parseCommandInput("network.disconnect", { network: "net", container: "web" })).toEqual({
      network: "net",
      container: "web",
      force: false,
    });
    expect(parseCommandInput("container.create", { image })).toMatchObject({
      env: {},
      ports: [],
      networks: [],
      privileged: false,
    });
  });

  it("check an image's inspect document and keep the Engine's other fields", () => {
    const document = {
      Id: `sha256:${"a".repeat(64)}`,
      RepoTags: [image],
      RepoDigests: null,
      Created: "2026-11-23T07:20:26Z",
      Size: 1024,
      Architecture: "amd64",
      Os: "linux",
      Config: { Cmd: ["sh"], Entrypoint: null },
      GraphDriver: { Name: "overlay2" },
    };
    expect(parseCommandResult("image.inspect", document)).toEqual(document);
    expect(failure(() => parseCommandResult("image.inspect", { ...document, Id: 1 })).message).toContain(
      "Id:",
    );
  });

  it("give slow work longer deadlines", () => {
    const deadline = (name: CommandName) =>
      (commands[name] as { defaultTimeoutMs?: number }).defaultTimeoutMs;
    const slow = [
      "container.create",
      "image.prune",
      "volume.prune",
      "network.prune",
      "container.commit",
    ] as const;
    for (const name of slow) expect(deadline(name)).toBeGreaterThanOrEqual(120_000);
    for (const name of ["container.wait", "image.build"] as const) {
      expect(deadline(name)).toBeGreaterThanOrEqual(60 * 60 * 1000);
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
