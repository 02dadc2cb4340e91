/**
 * The agent's backup directory: each archive (`<volume>-<time>-<rand>.tar.gz`) beside its manifest
 * (`<archive>.json`). An archive is written as a hidden `.partial` file, flushed to disk, read back
 * and checked against its sha256, and only then renamed into place, followed by its manifest: an
 * archive without a manifest is not a finished backup, and a failed one leaves nothing behind.
 */
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { type BackupManifest, BackupManifestSchema } from "@dockfleet/protocol";
import { hashStream, RuntimeError } from "@dockfleet/runtime";

/** `20261123T104500123Z`: sorts by time, safe in a file name. */
function stamp(at: Date): string {
  return at.toISOString().replace(/[-:.]/g, "");
}

/** Counts bytes as they pass; errors of `source` reach the reader. */
export function counted(source: AsyncIterable<Buffer>, onBytes: (bytes: number) => void): Readable {
  let bytes = 0;
  return Readable.from(
    (async function* () {
      for await (const chunk of source) {
        bytes += chunk.length;
        onBytes(bytes);
        yield chunk;
      }
    })(),
    { objectMode: false },
  );
}

async function syncFile(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `content` to `path` through a flushed temporary file and a rename. */
async function writeDurably(path: string, partial: string, content: string): Promise<void> {
  const handle = await open(partial, "wx", 0o600);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(partial, path);
}

export interface ArchiveWrite {
  archive: string;
  /** Where the gzip bytes go. */
  sink: WriteStream;
  /** The sink was finished: flush, verify, rename, write the manifest. */
  commit(
    manifest: Omit<BackupManifest, "archive" | "createdAt">,
    onVerified: (bytes: number) => void,
  ): Promise<BackupManifest>;
  /** Something failed: remove what was written. */
  discard(): Promise<void>;
}

export class BackupDirectory {
  constructor(readonly path: string) {}

  /** Starts a new archive of `volume`; nothing is visible until `commit`. */
  async create(volume: string, at = new Date()): Promise<ArchiveWrite> {
    await mkdir(this.path, { recursive: true, mode: 0o700 });
    const archive = `${volume}-${stamp(at)}-${randomBytes(3).toString("hex")}.tar.gz`;
    const final = join(this.path, archive);
    const partial = join(this.path, `.${archive}.partial`);
    const manifestPath = `${final}.json`;
    const manifestPartial = join(this.path, `.${archive}.json.partial`);
    const sink = createWriteStream(partial, { flags: "wx", mode: 0o600 });
    return {
      archive,
      sink,
      commit: async (facts, onVerified) => {
        await syncFile(partial);
        const read = await hashStream(counted(createReadStream(partial), onVerified));
        if (read.sha256 !== facts.sha256 || read.bytes !== facts.bytes) {
          throw new Error(
            `archive ${archive} read back as sha256 ${read.sha256} (${read.bytes} bytes), written as ${facts.sha256} (${facts.bytes} bytes): the disk did not keep what was written`,
          );
        }
        const manifest = BackupManifestSchema.parse({ ...facts, archive, createdAt: at.toISOString() });
        await rename(partial, final);
        await writeDurably(manifestPath, manifestPartial, `${JSON.stringify(manifest, null, 2)}\n`);
        await syncFile(this.path);
        return manifest;
      },
      discard: async () => {
        sink.destroy();
        await Promise.all(
          [partial, final, manifestPath, manifestPartial].map((path) => rm(path, { force: true })),
        );
      },
    };
  }

  /** The size of a finished archive; `not_found` when it is not here (or has no manifest). */
  async archive(name: string): Promise<{ path: string; bytes: number }> {
    const path = join(this.path, name);
    try {
      const [file] = await Promise.all([stat(path), stat(`${path}.json`)]);
      return { path, bytes: file.size };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        throw new RuntimeError("not_found", `archive ${name} is not among this host's finished backups`);
      }
      throw error;
    }
  }
}
