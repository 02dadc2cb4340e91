/**
 * The volume root's own owner, mode and mtime. The Engine's PUT archive ignores the tar's root
 * entry (`./`), so a restore would leave e.g. a database's 0700 data dir as 0755 root. We read
 * that entry as it streams past and apply it afterwards as the helper's mount point (`volume/`
 * at `/`), which the Engine does honour.
 */
import { Readable, Transform, type TransformCallback } from "node:stream";
import tar from "tar-stream";

/** Stop looking after this much: a root entry, if any, is the first one. */
const lookLimit = 1024 * 1024;

export interface RootEntry {
  mode: number;
  uid: number;
  gid: number;
  uname?: string;
  gname?: string;
  mtime?: Date;
}

/** Passes a tar through unchanged and remembers its first entry when that is the root (`./`). */
export class RootEntryTap extends Transform {
  root: RootEntry | undefined;
  private extract: ReturnType<typeof tar.extract> | undefined = tar.extract();
  private seen = 0;

  constructor() {
    super();
    this.extract?.on("entry", (header, stream) => {
      if (header.name === "./" || header.name === ".") {
        const { mode, uid, gid, uname, gname, mtime } = header;
        if (header.type === "directory" && mode !== undefined && uid !== undefined && gid !== undefined) {
          this.root = { mode, uid, gid, uname, gname, mtime };
        }
      }
      stream.resume();
      this.stop();
    });
    // A stream that is not a tar is the Engine's to refuse; this tap only gives up.
    this.extract?.on("error", () => this.stop());
  }

  private stop(): void {
    const extract = this.extract;
    this.extract = undefined;
    extract?.destroy();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.extract) {
      this.seen += chunk.length;
      this.extract.write(chunk);
      if (this.seen > lookLimit) this.stop();
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    const extract = this.extract;
    if (!extract) {
      done();
      return;
    }

    // Small archives end before the extractor has parsed them: let it finish first.
    extract.once("close", () => done());
    extract.end(() => undefined);
  }
}

/** A one-entry tar that sets `dir`'s owner, mode and mtime when put at `/`. */
export async function rootEntryTar(dir: string, root: RootEntry): Promise<Readable> {
  const pack = tar.pack();
  pack.entry({ name: `${dir}/`, type: "directory", ...root });
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return Readable.from([Buffer.concat(chunks)]);
}
