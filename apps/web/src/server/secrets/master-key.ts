/**
 * The master key that encrypts secrets at rest (SSH keys, backup target credentials). Generated at
 * first start into the data directory with mode 0600 and never stored in the database, so a
 * database dump alone reveals no secret.
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

const keyBytes = 32;
const fileName = "master.key";

export async function loadOrCreateMasterKey(dataDir: string): Promise<Buffer> {
  const file = path.join(dataDir, fileName);
  try {
    const key = Buffer.from((await readFile(file, "utf8")).trim(), "base64");
    if (key.length !== keyBytes) throw new Error(`${file} does not hold a ${keyBytes}-byte key`);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(keyBytes);
  // "wx": never overwrite a key another replica or process wrote meanwhile.
  await writeFile(file, `${key.toString("base64")}\n`, { mode: 0o600, flag: "wx" }).catch(async (error) => {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return;
    throw error;
  });
  await chmod(file, 0o600);
  return loadOrCreateMasterKey(dataDir);
}
