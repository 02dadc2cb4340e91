/**
 * The files the console ships to hosts (the Node runtime and the agent bundle) with their sha256,
 * which both installers check on the host. A hash is computed once per version of a file.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { OnboardingSettings } from "./settings.ts";

export interface ShippedFile {
  path: string;
  size: number;
  sha256: string;
}

const hashes = new Map<string, Promise<string>>();

function hashFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    createReadStream(path)
      .on("data", (chunk) => hash.update(chunk))
      .on("error", reject)
      .on("end", () => resolve(hash.digest("hex")));
  });
}

/** The file as it is now; a rebuilt or replaced file (other size or mtime) is hashed again. */
export async function shippedFile(path: string): Promise<ShippedFile> {
  const { size, mtimeMs } = await stat(path);
  const key = `${path}\0${size}\0${mtimeMs}`;
  let sha256 = hashes.get(key);
  if (!sha256) {
    sha256 = hashFile(path);
    hashes.set(key, sha256);
    sha256.catch(() => hashes.delete(key));
  }
  return { path, size, sha256: await sha256 };
}

/** Both files, or undefined when this console has no agent bundle (not built). */
export async function shippedFiles(
  settings: Pick<OnboardingSettings, "nodeBinary" | "agentBundle">,
): Promise<{ node: ShippedFile; bundle: ShippedFile } | undefined> {
  try {
    return { node: await shippedFile(settings.nodeBinary), bundle: await shippedFile(settings.agentBundle) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
