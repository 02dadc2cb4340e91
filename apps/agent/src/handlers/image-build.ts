/** image.build: the Engine's build output folded into one picture (the step running, the latest lines). */
import {
  type BuildProgress,
  buildLogLineLimit,
  buildProgressLogLines,
  buildResultLogLines,
  LinkError,
} from "@dockfleet/protocol";
import { type BuildEvent, buildImage, RuntimeError } from "@dockfleet/runtime";
import type { Handlers } from "./types.ts";

/** Lines a failed build's error carries: the last that its failing step printed. */
const failureLogLines = 20;

const cut = (line: string) =>
  line.length > buildLogLineLimit ? `${line.slice(0, buildLogLineLimit - 1)}…` : line;

/**
 * Reports the step and the latest output after every event (the reporter sends only the latest
 * report, so each is whole); answers the image id and the last lines. A failed step's error
 * carries what the step printed last: the job's last report never reaches the console.
 */
export async function followBuild(
  events: AsyncIterable<BuildEvent>,
  report: (progress: BuildProgress) => void,
): Promise<{ imageId: string; log: string[] }> {
  const log: string[] = [];
  let stepOutput: string[] = [];
  let step: BuildProgress["step"] = null;
  const add = (line: string) => {
    log.push(cut(line));
    if (log.length > buildResultLogLines) log.shift();
  };
  try {
    for await (const event of events) {
      if (event.kind === "built") return { imageId: event.imageId, log };
      if (event.kind === "step") {
        step = { number: event.step, total: event.total, instruction: cut(event.instruction) };
        stepOutput = [];
        add(`Step ${event.step}/${event.total} : ${event.instruction}`);
      } else {
        add(event.line);
        stepOutput.push(cut(event.line));
        if (stepOutput.length > failureLogLines) stepOutput.shift();
      }
      report({ step, log: log.slice(-buildProgressLogLines) });
    }
  } catch (error) {
    if (!(error instanceof RuntimeError) || stepOutput.length === 0) throw error;
    const output = stepOutput.join("\n");
    throw new LinkError("docker", `${error.message}; the step's last output:\n${output}`, error.code);
  }
  throw new LinkError("internal", "the build ended without an image id");
}

export const imageBuildHandlers = {
  "image.build": async (ctx, { files, ...spec }, signal, progress) => {
    const context = files.map((file) => ({
      path: file.path,
      mode: file.mode,
      content: Buffer.from(file.contentBase64, "base64"),
    }));
    const events = buildImage(await ctx.docker(), { ...spec, files: context }, { signal });
    return { ...(await followBuild(events, progress)), tag: spec.tag ?? null };
  },
} satisfies Partial<Handlers>;
