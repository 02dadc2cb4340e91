/**
 * The command table of docs/link.md, made from the protocol's registry so it cannot drift:
 * `npm run docs:link` rewrites it; a unit test fails when it is stale.
 */
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { type Command, commands } from "../../packages/protocol/src/index.ts";

export const linkDocPath = fileURLToPath(new URL("../../docs/link.md", import.meta.url));
const begin = "<!-- commands:begin (npm run docs:link) -->";
const end = "<!-- commands:end -->";

function kindOf(command: Command): string {
  if (command.kind === "stream") return command.accepts ? "stream + input" : "stream";
  return command.progress ? "job" : "unary";
}

function deadlineOf(command: Command): string {
  if (command.kind === "stream") return "until cancelled";
  const seconds = command.defaultTimeoutMs / 1000;
  return seconds >= 3600 ? `${seconds / 3600} h` : seconds >= 60 ? `${seconds / 60} min` : `${seconds} s`;
}

export function commandTable(): string {
  const rows = Object.entries(commands).map(
    ([name, command]) =>
      `| \`${name}\` | ${kindOf(command)} | ${deadlineOf(command)} | ${command.description.replaceAll("|", "\\|")} |`,
  );
  return ["| command | kind | default deadline | what it does |", "| --- | --- | --- | --- |", ...rows].join(
    "\n",
  );
}

/** The doc with its table replaced by the current one. */
export function withCurrentTable(doc: string): string {
  const from = doc.indexOf(begin);
  const to = doc.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${linkDocPath} lacks the ${begin} … ${end} markers`);
  return `${doc.slice(0, from + begin.length)}\n${commandTable()}\n${doc.slice(to)}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const doc = await readFile(linkDocPath, "utf8");
  await writeFile(linkDocPath, withCurrentTable(doc));
  console.log(`${linkDocPath}: ${Object.keys(commands).length} commands`);
}
