import { describe, expect, it } from "vitest";
import {
  copiesOf,
  envOf,
  execForm,
  finalStage,
  healthcheckOf,
  lastValue,
  listValues,
  parseDockerfile,
  splitWords,
  stageChain,
  workdirOf,
} from "./dockerfile.ts";

describe("parseDockerfile", () => {
  it("joins continuation lines and drops comment and blank lines inside them", () => {
    const { stages } = parseDockerfile(
      [
        "FROM node:20",
        "RUN apt-get update \\",
        "  # a comment",
        "",
        "  && apt-get install -y tini \\  ",
        "  && true",
      ].join("\n"),
    );
    expect(stages[0]?.instructions).toEqual([
      { keyword: "RUN", flags: [], args: "apt-get update   && apt-get install -y tini   && true", line: 2 },
    ]);
  });

  it("keeps a # inside an instruction and skips comment lines between instructions", () => {
    const { stages } = parseDockerfile(
      "# heading\nFROM alpine\n  # indented comment\nRUN echo '# not a comment'\n",
    );
    expect(stages[0]?.instructions.map((instruction) => instruction.args)).toEqual([
      "echo '# not a comment'",
    ]);
  });

  it("reads parser directives only at the very top, and honours the escape directive", () => {
    const parsed = parseDockerfile("# escape=`\n# syntax=docker/dockerfile:1\nFROM alpine\nRUN a `\n  b\n");
    expect(parsed.directives).toEqual({ escape: "`", syntax: "docker/dockerfile:1" });
    expect(parsed.stages[0]?.instructions[0]?.args).toBe("a   b");
    expect(parseDockerfile("# a comment\n# escape=`\nFROM alpine\n").directives).toEqual({});
  });

  it("splits stages, names them, substitutes global ARG defaults and follows FROM <stage>", () => {
    const parsed = parseDockerfile(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile variable, not a template
      "ARG BASE=node:20-slim\nFROM ${BASE} AS Base\nWORKDIR /app\nFROM base AS build\nWORKDIR src\nFROM $BASE\n",
    );
    expect(parsed.stages.map((stage) => [stage.name, stage.from])).toEqual([
      ["base", "node:20-slim"],
      ["build", "base"],
      [undefined, "node:20-slim"],
    ]);
    const build = parsed.stages[1];
    if (!build) throw new Error("no build stage");
    expect(stageChain(parsed, build).map((stage) => stage.index)).toEqual([0, 1]);
    expect(workdirOf(parsed, build)).toBe("/app/src");
    expect(workdirOf(parsed, finalStage(parsed))).toBe("/");
  });

  it("extracts leading flags, repeated ones included", () => {
    const { stages } = parseDockerfile(
      "FROM --platform=linux/amd64 alpine\nRUN --mount=type=cache,target=/a --mount=type=tmpfs,target=/b make\nCOPY --from=build --link /out/ ./\n",
    );
    const [run, copy] = stages[0]?.instructions ?? [];
    expect(run?.flags).toEqual([
      { name: "mount", value: "type=cache,target=/a" },
      { name: "mount", value: "type=tmpfs,target=/b" },
    ]);
    expect(run?.args).toBe("make");
    expect(copy?.flags).toEqual([{ name: "from", value: "build" }, { name: "link" }]);
  });

  it("refuses what it cannot read faithfully", () => {
    expect(() => parseDockerfile("RUN true\n")).toThrow(/before the first FROM/);
    expect(() => parseDockerfile("FROM alpine\nRUN <<EOF\necho hi\nEOF\n")).toThrow(/heredocs/);
    expect(() => parseDockerfile("FROM alpine\nRUNN true\n")).toThrow(/unknown instruction/);
    expect(() => parseDockerfile("# just a comment\n")).toThrow(/no FROM/);
    expect(() => parseDockerfile("FROM alpine AS\n")).toThrow(/FROM <image>/);
  });
});

describe("argument forms", () => {
  it("tells exec form from shell form", () => {
    expect(execForm('["node", "main.js"]')).toEqual(["node", "main.js"]);
    expect(execForm("node main.js")).toBeUndefined();
    expect(execForm("[not json")).toBeUndefined();
    expect(execForm("[1, 2]")).toBeUndefined();
  });

  it("splits words with quotes and escapes", () => {
    expect(splitWords(`A=1 B="two words" C='it\\s' D=a\\ b`)).toEqual([
      "A=1",
      "B=two words",
      "C=it\\s",
      "D=a b",
    ]);
    expect(() => splitWords('A="open')).toThrow(/unterminated/);
  });

  it("reads ENV in both forms, inherited through stages", () => {
    const parsed = parseDockerfile('FROM alpine AS a\nENV A=1 B="x y"\nFROM a\nENV C 3 4\nENV A=2\n');
    expect(envOf(parsed, finalStage(parsed))).toEqual({ A: "2", B: "x y", C: "3 4" });
  });

  it("reads USER, EXPOSE, VOLUME and HEALTHCHECK", () => {
    const parsed = parseDockerfile(
      [
        "FROM alpine",
        "USER root",
        "EXPOSE 3000/tcp 9000",
        'VOLUME ["/data"]',
        "VOLUME /cache",
        "HEALTHCHECK --interval=5s CMD wget -q localhost",
        "USER 10001:10001",
        'HEALTHCHECK --retries=2 CMD ["node", "check.js"]',
      ].join("\n"),
    );
    const stage = finalStage(parsed);
    expect(lastValue(parsed, stage, "USER")).toBe("10001:10001");
    expect(listValues(parsed, stage, "EXPOSE")).toEqual(["3000", "9000"]);
    expect(listValues(parsed, stage, "VOLUME")).toEqual(["/data", "/cache"]);
    expect(healthcheckOf(parsed, stage)).toEqual({
      none: false,
      options: [{ name: "retries", value: "2" }],
      command: ["node", "check.js"],
    });
    const bare = parseDockerfile("FROM a\n");
    expect(healthcheckOf(bare, finalStage(bare))).toBeUndefined();
    const none = parseDockerfile("FROM a\nHEALTHCHECK NONE\n");
    expect(healthcheckOf(none, finalStage(none))).toEqual({ none: true });
  });

  it("resolves COPY destinations against the WORKDIR in effect, the parent stage's included", () => {
    const parsed = parseDockerfile(
      'FROM alpine AS a\nWORKDIR /app\nFROM a\nCOPY --from=build /out/x.js dist/\nWORKDIR sub\nCOPY ["a b", "c"]\n',
    );
    expect(
      copiesOf(parsed, finalStage(parsed)).map(({ from, sources, destination }) => ({
        from,
        sources,
        destination,
      })),
    ).toEqual([
      { from: "build", sources: ["/out/x.js"], destination: "/app/dist/" },
      { from: undefined, sources: ["a b"], destination: "/app/sub/c" },
    ]);
  });
});
