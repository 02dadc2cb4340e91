/**
 * One SSH session to a host being onboarded (ssh2): host-key fingerprint check, commands with their
 * exit code and output, SFTP uploads. Commands are fixed strings: user input never reaches a shell.
 */
import { createHash } from "node:crypto";
import { Client, type ConnectConfig, type SFTPWrapper } from "ssh2";
import { DomainError } from "../errors.ts";

export interface SshTarget {
  host: string;
  port: number;
  username: string;
  privateKey?: string;
  passphrase?: string;
  password?: string;
}

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface SshSession {
  /** The host key as OpenSSH prints it: `SHA256:<base64>`. */
  fingerprint: string;
  exec(command: string, options?: { stdin?: string }): Promise<CommandResult>;
  upload(remotePath: string, content: Buffer | { file: string }, mode: number): Promise<void>;
  close(): void;
}

export function fingerprintOf(hostKey: Buffer): string {
  return `SHA256:${createHash("sha256").update(hostKey).digest("base64").replace(/=+$/, "")}`;
}

function connectError(target: SshTarget, error: Error & { level?: string; code?: string }): DomainError {
  const where = `${target.username}@${target.host}:${target.port}`;
  if (error.level === "client-authentication") {
    return new DomainError(
      "unauthorized",
      `SSH refused the credentials for ${where}: check the user, key or password`,
    );
  }
  if (error.level === "client-timeout") return new DomainError("unavailable", `SSH to ${where} timed out`);
  if (error.code === "ECONNREFUSED") return new DomainError("unavailable", `nothing accepts SSH at ${where}`);
  if (error.code === "EHOSTUNREACH" || error.code === "ENETUNREACH" || error.code === "ENOTFOUND") {
    return new DomainError("unavailable", `cannot reach ${target.host} (${error.code})`);
  }
  return new DomainError("unavailable", `SSH to ${where} failed: ${error.message}`);
}

/**
 * Connects and checks the host key. With `expectedFingerprint` a different key is refused
 * (`host_key_changed` in the message); without it the key is accepted and reported for confirmation.
 */
export function openSsh(target: SshTarget, expectedFingerprint?: string): Promise<SshSession> {
  const client = new Client();
  let seen: string | undefined;
  const config: ConnectConfig = {
    host: target.host,
    port: target.port,
    username: target.username,
    privateKey: target.privateKey,
    passphrase: target.passphrase,
    password: target.password,
    readyTimeout: 15_000,
    hostVerifier: (key: Buffer) => {
      seen = fingerprintOf(key);
      return expectedFingerprint === undefined || seen === expectedFingerprint;
    },
  };
  return new Promise((resolve, reject) => {
    client.once("ready", () => resolve(session(client, seen as string)));
    client.once("error", (error: Error & { level?: string }) => {
      if (expectedFingerprint && seen && seen !== expectedFingerprint) {
        reject(
          new DomainError(
            "conflict",
            `host_key_changed: ${target.host} presented ${seen}, but ${expectedFingerprint} is pinned. ` +
              "If the host was reinstalled, remove it and add it again; otherwise do not proceed.",
          ),
        );
      } else reject(connectError(target, error));
    });
    client.connect(config);
  });
}

function session(client: Client, fingerprint: string): SshSession {
  let sftp: Promise<SFTPWrapper> | undefined;
  const sftpSession = () => {
    sftp ??= new Promise((resolve, reject) =>
      client.sftp((error, wrapper) => (error ? reject(error) : resolve(wrapper))),
    );
    return sftp;
  };
  return {
    fingerprint,
    exec: (command, options) =>
      new Promise((resolve, reject) => {
        client.exec(command, (error, stream) => {
          if (error) return reject(error);
          let stdout = "";
          let stderr = "";
          stream.on("data", (chunk: Buffer) => {
            stdout += chunk.toString();
          });
          stream.stderr.on("data", (chunk: Buffer) => {
            stderr += chunk.toString();
          });
          stream.on("close", (code: number | null) => resolve({ exitCode: code ?? -1, stdout, stderr }));
          stream.end(options?.stdin);
        });
      }),
    upload: async (remotePath, content, mode) => {
      const wrapper = await sftpSession();
      await new Promise<void>((resolve, reject) => {
        const done = (error?: Error | null) => (error ? reject(error) : resolve());
        if ("file" in content) wrapper.fastPut(content.file, remotePath, { mode }, done);
        else wrapper.writeFile(remotePath, content, { mode }, done);
      });
      // writeFile/fastPut apply `mode` only to new files; make it exact for replaced ones too.
      await new Promise<void>((resolve, reject) =>
        wrapper.chmod(remotePath, mode, (e) => (e ? reject(e) : resolve())),
      );
    },
    close: () => client.end(),
  };
}
