/** The host's credential on disk: written once at enrollment, readable by the agent's user only (0600). */
import { chmod, mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { z } from "zod";

const CredentialFileSchema = z.object({
  version: z.literal(1),
  consoleUrl: z.string(),
  hostId: z.string(),
  hostName: z.string(),
  credential: z.string().min(1),
  enrolledAt: z.string(),
});
export type StoredCredential = z.infer<typeof CredentialFileSchema>;

/** The stored credential, or undefined when the file does not exist. A corrupt file is an error. */
export async function readCredential(file: string): Promise<StoredCredential | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new Error(`cannot read the credential file ${file}: ${(error as Error).message}`);
  }
  const parsed = CredentialFileSchema.safeParse(safeJson(text));
  if (!parsed.success)
    throw new Error(`the credential file ${file} is damaged: enroll again with a new token`);
  return parsed.data;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Writes atomically (temp file + rename) with mode 0600; the directory is created 0700 if missing. */
export async function writeCredential(file: string, credential: StoredCredential): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(credential, null, 2)}\n`, { mode: 0o600 });
  await chmod(temp, 0o600); // the umask cannot widen it, but an existing temp file could have
  await rename(temp, file);
}

/** The file's permission bits, e.g. 0o600. */
export async function credentialMode(file: string): Promise<number> {
  return (await stat(file)).mode & 0o777;
}
