// Typed access to the lab (scripts/lab) for tests and benchmarks: its state.json, and up/down.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { z } from "zod";

export const LAB_STATE_PATH = "/var/lib/dockfleet-lab/state.json";
export const LAB_SCRIPT = fileURLToPath(new URL("./lab", import.meta.url));

const LabHostSchema = z.object({
  name: z.string(),
  address: z.string(),
  /** The host's dockerd socket as seen from this machine (inside the host it is /var/run/docker.sock). */
  dockerSocket: z.string(),
  /** tcp://ADDRESS:2375, unauthenticated, reachable only from this machine and the other lab hosts. */
  dockerTcp: z.string(),
  sshPort: z.number().int(),
  holderPid: z.number().int(),
  dockerdPid: z.number().int(),
  sshdPid: z.number().int(),
  /** A user that exists only on this host, for password-login tests. */
  passwordUser: z.string(),
  password: z.string(),
});

const LabSchema = z.object({
  hosts: z.array(LabHostSchema),
  /** Private key (ed25519) that logs in as root on every host. */
  labKey: z.string(),
  bridge: z.string(),
  gateway: z.string(),
  /** The local registry as the hosts reach it (their dockerd trusts it without TLS). */
  registry: z.string(),
});

export type LabHost = z.infer<typeof LabHostSchema>;
export type Lab = z.infer<typeof LabSchema>;

/** Reads the running lab's state.json; throws if the lab is not up. */
export async function readLab(path: string = LAB_STATE_PATH): Promise<Lab> {
  return LabSchema.parse(JSON.parse(await readFile(path, "utf8")));
}

const run = promisify(execFile);

/** Runs `scripts/lab up N` (idempotent: hosts already up stay as they are) and returns the lab. */
export async function labUp(hosts: number): Promise<Lab> {
  await run("bash", [LAB_SCRIPT, "up", String(hosts)]);
  return readLab();
}

/** Runs `scripts/lab down`: removes every lab host, also after a crash. */
export async function labDown(): Promise<void> {
  await run("bash", [LAB_SCRIPT, "down"]);
}
