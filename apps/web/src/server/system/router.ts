/** System: facts about the console itself. */
import { publicProcedure, router } from "../trpc.ts";
import { consoleVersion } from "./version.ts";

export const systemRouter = router({
  version: publicProcedure.query(() => ({ version: consoleVersion })),
});
