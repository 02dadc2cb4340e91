/** A terminal in a container: `docker exec -it`, carried over the link both ways. */
import { TerminalSizeSchema } from "@dockfleet/runtime";
import { z } from "zod";
import { stream } from "../define.ts";
import { ContainerRefSchema } from "./containers.ts";

/** Terminal bytes travel base64-encoded: the link's messages are JSON. */
const Base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, "base64");

/** Keystrokes (a paste included) per message. */
export const terminalInputLimitBytes = 64 * 1024;

export const TerminalInputSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("stdin"),
    data: Base64.max(Math.ceil(terminalInputLimitBytes / 3) * 4, "at most 64 KiB of keystrokes per message"),
  }),
  z.object({ kind: z.literal("resize"), ...TerminalSizeSchema.shape }),
]);
export type TerminalInput = z.infer<typeof TerminalInputSchema>;

export const terminalCommands = {
  "container.terminal": stream({
    description:
      "An interactive command with a TTY in a running container (a shell, by default): the screen's bytes as they come; keystrokes and resizes go in with `input`",
    input: ContainerRefSchema.extend({
      cmd: z.array(z.string().max(4096)).min(1).max(256).default(["sh"]),
      env: z.record(z.string().regex(/^[^=\s][^=]*$/, "a variable name without '='"), z.string()).default({}),
      user: z.string().min(1).max(256).optional(),
      workingDir: z.string().regex(/^\//, "an absolute path").max(4096).optional(),
      size: TerminalSizeSchema.optional(),
    }),
    item: z.object({ data: Base64 }),
    // The screen is not dropped: a slow viewer pauses the command's output.
    overflow: "pause",
    accepts: TerminalInputSchema,
    result: z.object({ exitCode: z.number().int().nullable() }),
  }),
};
