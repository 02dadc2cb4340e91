/**
 * Results the agent could not deliver, kept on disk until a connection takes them: one JSON file
 * per result in `<state dir>/spool` (0600 in a 0700 directory: results may carry command output),
 * written to a temporary name and renamed, so a crash leaves whole files or none. Bounded: past
 * `maxEntries` or `maxBytes` the oldest go; past its deadline a result is worth nothing and goes.
 */
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type ResultMessage, ResultMessageSchema } from "@dockfleet/protocol";
import { z } from "zod";

const EntrySchema = z.object({
  version: z.literal(1),
  message: ResultMessageSchema,
  /** In the agent's clock (ms since the epoch); null: no deadline. */
  expiresAt: z.number().nullable(),
  spooledAt: z.number(),
});
export type SpoolEntry = z.infer<typeof EntrySchema> & {
  /** Its file in the spool directory. */
  file: string;
};

export interface SpoolOptions {
  maxEntries?: number;
  maxBytes?: number;
  /** How long a result without a deadline is kept. */
  maxAgeMs?: number;
  log?(message: string): void;
  now?(): number;
}

export class Spool {
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  /** Writes and removals one at a time, so the bounds hold. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Orders results spooled within one millisecond. */
  private sequence = 0;

  constructor(
    readonly dir: string,
    private readonly options: SpoolOptions = {},
  ) {
    this.maxEntries = options.maxEntries ?? 1_000;
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.maxAgeMs = options.maxAgeMs ?? 24 * 60 * 60 * 1000;
    this.now = options.now ?? Date.now;
  }

  /** Keeps a result for a later connection. */
  put(message: ResultMessage, expiresAt: number | null): Promise<void> {
    return this.serial(async () => {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      const spooledAt = this.now();
      this.sequence = (this.sequence + 1) % 1_000_000;
      const file = join(this.dir, fileName(spooledAt, this.sequence, message.id));
      const entry = { version: 1, message, expiresAt, spooledAt };
      await writeFile(`${file}.tmp`, JSON.stringify(entry), { mode: 0o600 });
      await rename(`${file}.tmp`, file);
      await this.enforceBounds();
    });
  }

  /** What is waiting, oldest first; expired and unreadable files are removed on the way. */
  list(): Promise<SpoolEntry[]> {
    return this.serial(async () => {
      const entries: SpoolEntry[] = [];
      for (const name of await this.files()) {
        const entry = await this.read(name);
        if (entry && !this.expired(entry)) entries.push(entry);
        else await rm(join(this.dir, name), { force: true });
      }
      return entries;
    });
  }

  /** The result was delivered. */
  remove(entry: SpoolEntry): Promise<void> {
    return this.serial(() => rm(join(this.dir, entry.file), { force: true }));
  }

  /** Ids of the results waiting (for hello). */
  async ids(): Promise<string[]> {
    return (await this.list()).map((entry) => entry.message.id);
  }

  private expired(entry: SpoolEntry): boolean {
    const now = this.now();
    return entry.expiresAt !== null ? entry.expiresAt <= now : now - entry.spooledAt > this.maxAgeMs;
  }

  private async files(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).filter((name) => name.endsWith(".json")).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
  }

  private async read(name: string): Promise<SpoolEntry | undefined> {
    try {
      return { ...EntrySchema.parse(JSON.parse(await readFile(join(this.dir, name), "utf8"))), file: name };
    } catch (error) {
      this.options.log?.(`dropping unreadable spool file ${name}: ${(error as Error).message}`);
      return undefined;
    }
  }

  private async enforceBounds(): Promise<void> {
    const names = await this.files();
    const sizes = await Promise.all(names.map((name) => stat(join(this.dir, name)).then((s) => s.size)));
    let bytes = sizes.reduce((sum, size) => sum + size, 0);
    let count = names.length;
    for (const [index, name] of names.entries()) {
      if (count <= this.maxEntries && bytes <= this.maxBytes) break;
      await rm(join(this.dir, name), { force: true });
      this.options.log?.(`spool full: dropped the undelivered result ${name}`);
      count -= 1;
      bytes -= sizes[index] ?? 0;
    }
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

/** Sorts by time, then order within the millisecond; the command id (console-chosen, untrusted) only as a hash. */
function fileName(spooledAt: number, sequence: number, id: string): string {
  const hash = createHash("sha256").update(id).digest("hex").slice(0, 24);
  return `${String(spooledAt).padStart(15, "0")}-${String(sequence).padStart(6, "0")}-${hash}.json`;
}
