/**
 * `npm start` on a machine with Docker shows that machine at once: the console registers it under
 * its host name and hands a fresh enrollment token to the start command through a 0600 file.
 */
import { writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import { issueEnrollmentToken } from "./service.ts";

export function localHostName(): string {
  return (
    hostname()
      .replace(/[^A-Za-z0-9._-]/g, "-")
      .replace(/^[^A-Za-z0-9]+/, "") || "local"
  );
}

export async function writeLocalEnrollment(db: PrismaClient, file: string): Promise<void> {
  const { token } = await issueEnrollmentToken(db, { name: localHostName(), hostGroupId: null });
  await writeFile(file, token, { mode: 0o600 });
}
