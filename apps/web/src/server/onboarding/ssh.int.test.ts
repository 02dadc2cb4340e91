import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Lab, labUp, readLab } from "../../../../../scripts/lab.ts";
import { DomainError } from "../errors.ts";
import { openSsh, type SshSession, type SshTarget } from "./ssh.ts";

let lab: Lab;
let root: SshTarget;
let session: SshSession;

beforeAll(async () => {
  await labUp(1);
  lab = await readLab();
  const host = lab.hosts[0];
  if (!host) throw new Error("the lab has no host");
  root = {
    host: host.address,
    port: host.sshPort,
    username: "root",
    privateKey: await readFile(lab.labKey, "utf8"),
  };
  session = await openSsh(root);
});
afterAll(() => session?.close());

describe("SSH to a lab host", () => {
  it("reports the host key fingerprint the way OpenSSH does", async () => {
    expect(session.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    const { stdout } = await session.exec("ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub");
    expect(stdout).toContain(session.fingerprint);
  });

  it("runs commands on that host with their exit code and output", async () => {
    const ip = await session.exec("ip -4 -o addr show eth0");
    expect(ip.exitCode).toBe(0);
    expect(ip.stdout).toContain(root.host);
    const failing = await session.exec("exit 3");
    expect(failing.exitCode).toBe(3);
  });

  it("uploads a file over SFTP with an exact mode", async () => {
    await session.upload("/tmp/dftest-upload", Buffer.from("secret\n"), 0o600);
    const check = await session.exec(
      "stat -c %a /tmp/dftest-upload && cat /tmp/dftest-upload && rm /tmp/dftest-upload",
    );
    expect(check.stdout).toBe("600\nsecret\n");
  });

  it("connects again when the pinned fingerprint matches", async () => {
    const again = await openSsh(root, session.fingerprint);
    expect(again.fingerprint).toBe(session.fingerprint);
    again.close();
  });

  it("refuses a changed host key", async () => {
    const pinned = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    const error = await openSsh(root, pinned).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).message).toMatch(/host_key_changed/);
    expect((error as DomainError).message).toContain(session.fingerprint);
  });

  it("names a wrong password as a credentials problem", async () => {
    const host = lab.hosts[0];
    const error = await openSsh({
      ...root,
      username: host?.passwordUser ?? "",
      privateKey: undefined,
      password: "wrong",
    }).catch((e: unknown) => e);
    expect((error as DomainError).code).toBe("unauthorized");
    expect((error as DomainError).message).toMatch(/refused the credentials/);
    const right = await openSsh({
      ...root,
      username: host?.passwordUser ?? "",
      privateKey: undefined,
      password: host?.password,
    });
    expect((await right.exec("id -un")).stdout.trim()).toBe(host?.passwordUser);
    right.close();
  });

  it("names an unreachable port", async () => {
    const error = await openSsh({ ...root, port: 2 }).catch((e: unknown) => e);
    expect((error as DomainError).code).toBe("unavailable");
  });
});
