/** Test helpers for image transfer: the shared local registry, and a private one that wants a password. */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The registry tests push to (scripts/services/registry up). */
export function testRegistry(): string {
  return process.env.DOCKFLEET_TEST_REGISTRY ?? "127.0.0.1:5000";
}

export const authUser = { username: "dftest", password: "dftest-secret" } as const;
// bcrypt of authUser.password (cost 4: tests only), made with Python's crypt.
const htpasswd = "dftest:$2b$04$tdo64DAH/2rNt9QJhs3Ce.oqM/i5x9d/thSY70YeHcHUrADZRWNAq\n";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

async function answers(address: string): Promise<number | undefined> {
  return fetch(`http://${address}/v2/`).then(
    (r) => r.status,
    () => undefined,
  );
}

export interface AuthRegistry {
  address: string;
  stop(): Promise<void>;
}

/** Starts Debian's docker-registry with htpasswd auth on a free loopback port; `stop` kills it by PID. */
export async function startAuthRegistry(): Promise<AuthRegistry> {
  const dir = await mkdtemp(join(tmpdir(), "dftest-registry-"));
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  await writeFile(join(dir, "htpasswd"), htpasswd);
  await writeFile(
    join(dir, "config.yml"),
    [
      "version: 0.1",
      "log: { level: error }",
      `storage: { filesystem: { rootdirectory: ${join(dir, "data")} }, delete: { enabled: true } }`,
      `http: { addr: "${address}", secret: dftest }`,
      `auth: { htpasswd: { realm: dftest, path: ${join(dir, "htpasswd")} } }`,
      "",
    ].join("\n"),
  );
  const child: ChildProcess = spawn("docker-registry", ["serve", join(dir, "config.yml")], {
    stdio: "ignore",
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let failed: Error | undefined;
  child.once("error", (error) => {
    failed = error;
  });
  // 401 means it is up and asking for credentials.
  while ((await answers(address)) !== 401) {
    if (failed || child.exitCode !== null)
      throw new Error(`docker-registry did not start: ${failed?.message ?? child.exitCode}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    address,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Deletes a tag's manifest from a registry (blobs stay until its garbage collection). Best effort. */
export async function deleteFromRegistry(
  address: string,
  repository: string,
  tag: string,
  auth?: string,
): Promise<void> {
  const headers: Record<string, string> = {
    Accept: "application/vnd.docker.distribution.manifest.v2+json",
    ...(auth ? { Authorization: `Basic ${Buffer.from(auth).toString("base64")}` } : {}),
  };
  const head = await fetch(`http://${address}/v2/${repository}/manifests/${tag}`, {
    method: "HEAD",
    headers,
  }).catch(() => undefined);
  const digest = head?.headers.get("docker-content-digest");
  if (digest) {
    await fetch(`http://${address}/v2/${repository}/manifests/${digest}`, {
      method: "DELETE",
      headers,
    }).catch(() => undefined);
  }
}
