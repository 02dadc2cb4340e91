/** A small Dockerfile reader for the deploy tests: instructions, stages, and the few argument forms they check. */

const KEYWORDS = new Set([
  "ADD",
  "ARG",
  "CMD",
  "COPY",
  "ENTRYPOINT",
  "ENV",
  "EXPOSE",
  "FROM",
  "HEALTHCHECK",
  "LABEL",
  "MAINTAINER",
  "ONBUILD",
  "RUN",
  "SHELL",
  "STOPSIGNAL",
  "USER",
  "VOLUME",
  "WORKDIR",
]);

const DIRECTIVES = new Set(["syntax", "escape", "check"]);

export interface Flag {
  name: string;
  /** Undefined for a bare `--flag`. */
  value?: string;
}

export interface Instruction {
  keyword: string;
  /** Leading `--name[=value]` words; RUN may repeat one (several `--mount`). */
  flags: Flag[];
  /** Everything after the keyword and the flags, continuation lines joined. */
  args: string;
  /** 1-based line where the instruction starts. */
  line: number;
}

export interface Stage {
  index: number;
  name?: string;
  /** The image or earlier stage after FROM, with global ARG defaults substituted. */
  from: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** Parser directives from the top of the file (`# syntax=...`, `# escape=...`), keys lower-cased. */
  directives: Record<string, string>;
  /** ARG instructions before the first FROM. */
  globalArgs: Instruction[];
  stages: Stage[];
}

export class DockerfileError extends Error {
  override readonly name = "DockerfileError";
}

/**
 * Parses a Dockerfile the way BuildKit splits it: parser directives at the very top, comment lines
 * dropped (also inside continuations), a trailing escape character joining the next line.
 * Heredocs are refused rather than misread.
 */
export function parseDockerfile(text: string): Dockerfile {
  const lines = text.split(/\r?\n/);
  const directives: Record<string, string> = {};
  let at = 0;
  for (; at < lines.length; at++) {
    const directive = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.*?)\s*$/.exec(lines[at] ?? "");
    const key = directive?.[1]?.toLowerCase();
    // An unknown directive reads as a comment, and a comment ends the directives.
    if (!key || !DIRECTIVES.has(key) || key in directives || directive?.[2] === undefined) break;
    directives[key] = directive[2];
  }
  const escapeChar = directives.escape ?? "\\";
  if (escapeChar !== "\\" && escapeChar !== "`")
    throw new DockerfileError(`invalid escape directive "${escapeChar}"`);
  const continuation = new RegExp(`${escapeChar === "\\" ? "\\\\" : "`"}[ \\t]*$`);

  const instructions: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  for (; at < lines.length; at++) {
    const raw = lines[at] ?? "";
    if (/^\s*#/.test(raw) || (/^\s*$/.test(raw) && !pending)) continue;
    if (/^\s*$/.test(raw)) continue; // an empty line inside a continuation, which BuildKit tolerates
    const joined = (pending?.text ?? "") + raw;
    const line = pending?.line ?? at + 1;
    if (continuation.test(raw)) {
      pending = { text: joined.replace(continuation, ""), line };
      continue;
    }
    pending = undefined;
    instructions.push(parseInstruction(joined, line));
  }
  if (pending) instructions.push(parseInstruction(pending.text, pending.line));

  const globalArgs: Instruction[] = [];
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === "FROM") {
      stages.push(parseFrom(instruction, stages.length, globalArgs));
    } else if (stages.length === 0) {
      if (instruction.keyword !== "ARG")
        throw new DockerfileError(`line ${instruction.line}: ${instruction.keyword} before the first FROM`);
      globalArgs.push(instruction);
    } else {
      stages[stages.length - 1]?.instructions.push(instruction);
    }
  }
  if (stages.length === 0) throw new DockerfileError("no FROM instruction");
  return { directives, globalArgs, stages };
}

function parseInstruction(text: string, line: number): Instruction {
  const match = /^\s*(\S+)\s*([\s\S]*?)\s*$/.exec(text);
  const keyword = match?.[1]?.toUpperCase() ?? "";
  if (!KEYWORDS.has(keyword)) throw new DockerfileError(`line ${line}: unknown instruction "${match?.[1]}"`);
  let rest = match?.[2] ?? "";
  const flags: Flag[] = [];
  for (;;) {
    const flag = /^--([a-zA-Z][\w-]*)(?:=(\S*))?(?:\s+|$)/.exec(rest);
    if (!flag?.[1]) break;
    flags.push(flag[2] === undefined ? { name: flag[1] } : { name: flag[1], value: flag[2] });
    rest = rest.slice(flag[0].length);
  }
  if (["RUN", "COPY", "ADD"].includes(keyword) && /<<-?\s*["']?[A-Za-z_]/.test(rest))
    throw new DockerfileError(`line ${line}: heredocs are not supported by this reader`);
  return { keyword, flags, args: rest, line };
}

function parseFrom(instruction: Instruction, index: number, globalArgs: Instruction[]): Stage {
  const words = splitWords(instruction.args);
  const image = words[0];
  if (!image) throw new DockerfileError(`line ${instruction.line}: FROM without an image`);
  const hasName = words.length === 3 && words[1]?.toUpperCase() === "AS";
  if (words.length !== 1 && !hasName)
    throw new DockerfileError(`line ${instruction.line}: expected FROM <image> [AS <name>]`);
  const defaults = new Map<string, string>();
  for (const arg of globalArgs) {
    const [name, value = ""] = (splitWords(arg.args)[0] ?? "").split(/=(.*)/s);
    if (name) defaults.set(name, value);
  }
  const from = image.replace(
    /\$(?:\{(\w+)\}|(\w+))/g,
    (whole, braced?: string, bare?: string) => defaults.get(braced ?? bare ?? "") ?? whole,
  );
  const stage: Stage = { index, from, instructions: [] };
  if (hasName && words[2]) stage.name = words[2].toLowerCase();
  return stage;
}

/** The value of a flag (`--from=builder` gives "builder"); undefined when absent. */
export function flagValue(instruction: Instruction, name: string): string | undefined {
  return instruction.flags.find((flag) => flag.name === name)?.value;
}

/** The exec (JSON array) form of CMD, ENTRYPOINT, RUN, SHELL, VOLUME, COPY; undefined for shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.trimStart().startsWith("[")) return undefined;
  try {
    const value: unknown = JSON.parse(args);
    if (Array.isArray(value) && value.every((item) => typeof item === "string")) return value;
  } catch {
    // Docker runs a line that is not valid JSON in shell form, and so do we.
  }
  return undefined;
}

/** Splits on unquoted whitespace, honouring "double" and 'single' quotes and backslash escapes. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] ?? "";
    if (quote) {
      if (char === quote) quote = undefined;
      else if (char === "\\" && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (char === "\\" && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (quote) throw new DockerfileError(`unterminated ${quote} in: ${text}`);
  if (inWord) words.push(word);
  return words;
}

/** The stage a FROM or `--from` names: an earlier stage by name or index, else undefined (an image). */
export function findStage(dockerfile: Dockerfile, ref: string): Stage | undefined {
  const lower = ref.toLowerCase();
  return dockerfile.stages.find((stage) => stage.name === lower || String(stage.index) === ref);
}

/** The stage and the stages it is built FROM, outermost first; the first one's `from` is an image. */
export function stageChain(dockerfile: Dockerfile, stage: Stage): Stage[] {
  const chain = [stage];
  for (let parent = findStage(dockerfile, stage.from); parent; parent = findStage(dockerfile, parent.from)) {
    if (parent.index >= (chain[0]?.index ?? 0)) throw new DockerfileError(`stage "${parent.name}" loops`);
    chain.unshift(parent);
  }
  return chain;
}

/** Instructions a stage runs, inherited ones from its parent stages first. */
export function effectiveInstructions(dockerfile: Dockerfile, stage: Stage): Instruction[] {
  return stageChain(dockerfile, stage).flatMap((link) => link.instructions);
}

export function finalStage(dockerfile: Dockerfile): Stage {
  const last = dockerfile.stages[dockerfile.stages.length - 1];
  if (!last) throw new DockerfileError("no stage");
  return last;
}

/** ENV values in effect at the end of a stage (both `ENV K=V ...` and the legacy `ENV K V`). */
export function envOf(dockerfile: Dockerfile, stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const instruction of effectiveInstructions(dockerfile, stage)) {
    if (instruction.keyword !== "ENV") continue;
    const words = splitWords(instruction.args);
    if (words[0] && !words[0].includes("=")) {
      env[words[0]] = /^\S+\s+([\s\S]*)$/.exec(instruction.args.trim())?.[1] ?? "";
      continue;
    }
    for (const word of words) {
      const [key, value = ""] = word.split(/=(.*)/s);
      if (key) env[key] = value;
    }
  }
  return env;
}

/** The argument of the last USER or STOPSIGNAL in effect at the end of a stage. */
export function lastValue(
  dockerfile: Dockerfile,
  stage: Stage,
  keyword: "USER" | "STOPSIGNAL",
): string | undefined {
  const found = effectiveInstructions(dockerfile, stage).filter(
    (instruction) => instruction.keyword === keyword,
  );
  return found[found.length - 1]?.args.trim();
}

/** The working directory at the end of a stage ("/" when never set). */
export function workdirOf(dockerfile: Dockerfile, stage: Stage): string {
  let dir = "/";
  for (const instruction of effectiveInstructions(dockerfile, stage)) {
    if (instruction.keyword === "WORKDIR") dir = resolvePath(dir, instruction.args.trim());
  }
  return dir;
}

/** Resolves a path the way WORKDIR and COPY destinations do: relative to `dir`, `.`/`..` collapsed. */
export function resolvePath(dir: string, path: string): string {
  const parts = (path.startsWith("/") ? path : `${dir}/${path}`).split("/");
  const out: string[] = [];
  for (const part of parts) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return `/${out.join("/")}`;
}

/** Values of EXPOSE (ports, `/tcp` dropped) or VOLUME (paths) in a stage, in either form. */
export function listValues(dockerfile: Dockerfile, stage: Stage, keyword: "EXPOSE" | "VOLUME"): string[] {
  return effectiveInstructions(dockerfile, stage)
    .filter((instruction) => instruction.keyword === keyword)
    .flatMap((instruction) => execForm(instruction.args) ?? splitWords(instruction.args))
    .map((value) => (keyword === "EXPOSE" ? value.replace(/\/tcp$/i, "") : value));
}

export type Healthcheck = { none: true } | { none: false; options: Flag[]; command: string[] | string };

/** The last HEALTHCHECK of a stage; `command` is an array for the exec form, a string for the shell form. */
export function healthcheckOf(dockerfile: Dockerfile, stage: Stage): Healthcheck | undefined {
  const found = effectiveInstructions(dockerfile, stage).filter(
    (instruction) => instruction.keyword === "HEALTHCHECK",
  );
  const last = found[found.length - 1];
  if (!last) return undefined;
  const match = /^(\S+)\s*([\s\S]*)$/.exec(last.args);
  const kind = match?.[1]?.toUpperCase();
  if (kind === "NONE") return { none: true };
  if (kind !== "CMD") throw new DockerfileError(`line ${last.line}: HEALTHCHECK needs CMD or NONE`);
  const command = match?.[2] ?? "";
  return { none: false, options: last.flags, command: execForm(command) ?? command };
}

export interface Copy {
  instruction: Instruction;
  /** The stage name or index after `--from`, undefined for the build context. */
  from?: string;
  sources: string[];
  /** Absolute destination, resolved against the WORKDIR in effect. */
  destination: string;
}

/** COPY and ADD instructions of one stage (not inherited), with their destinations resolved. */
export function copiesOf(dockerfile: Dockerfile, stage: Stage): Copy[] {
  const copies: Copy[] = [];
  const parent = findStage(dockerfile, stage.from);
  let dir = parent ? workdirOf(dockerfile, parent) : "/";
  for (const instruction of stage.instructions) {
    if (instruction.keyword === "WORKDIR") dir = resolvePath(dir, instruction.args.trim());
    if (instruction.keyword !== "COPY" && instruction.keyword !== "ADD") continue;
    const words = execForm(instruction.args) ?? splitWords(instruction.args);
    const destination = words[words.length - 1];
    if (!destination || words.length < 2)
      throw new DockerfileError(
        `line ${instruction.line}: ${instruction.keyword} needs a source and a destination`,
      );
    const copy: Copy = {
      instruction,
      sources: words.slice(0, -1),
      destination: resolvePath(dir, destination) + (destination.endsWith("/") ? "/" : ""),
    };
    const from = flagValue(instruction, "from");
    if (from !== undefined) copy.from = from;
    copies.push(copy);
  }
  return copies;
}
