/** The agent's settings, from the environment, checked once at start with a one-line error per problem. */
import { join } from "node:path";
import { type Endpoint, endpointFromEnv } from "@dockfleet/runtime";
import { z } from "zod";

export const defaultStateDir = "/var/lib/dockfleet-agent";

const fingerprint = z
  .string()
  .transform((value) => value.replace(/^sha256:/i, "").toUpperCase())
  .refine((value) => /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/.test(value), {
    message: "must be a SHA-256 certificate fingerprint (AA:BB:… 32 bytes)",
  });

const consoleUrl = z
  .url({ error: "DOCKFLEET_CONSOLE_URL must be the console's URL, e.g. https://dockfleet.example.com" })
  .refine((value) => /^https?:\/\//.test(value), "DOCKFLEET_CONSOLE_URL must start with http:// or https://");

const ConfigSchema = z
  .object({
    /** One console URL, or several (replicas of one console) separated by commas, tried in turn. */
    DOCKFLEET_CONSOLE_URL: z
      .string({
        error: "DOCKFLEET_CONSOLE_URL must be the console's URL, e.g. https://dockfleet.example.com",
      })
      .transform((value) =>
        value
          .split(",")
          .map((url) => url.trim())
          .filter((url) => url !== ""),
      )
      .pipe(z.array(consoleUrl).min(1, "DOCKFLEET_CONSOLE_URL must be the console's URL")),
    DOCKFLEET_ENROLL_TOKEN: z.string().trim().optional(),
    DOCKFLEET_STATE_DIR: z.string().min(1).default(defaultStateDir),
    DOCKFLEET_CREDENTIAL_FILE: z.string().min(1).optional(),
    /** Pins the console's TLS certificate (for a self-signed console). */
    DOCKFLEET_CONSOLE_FINGERPRINT: fingerprint.optional(),
  })
  .transform((env) => {
    const consoleUrls = env.DOCKFLEET_CONSOLE_URL.map((url) => url.replace(/\/+$/, ""));
    return {
      /** The first of `consoleUrls`: where the agent enrolls first, and what it reports. */
      consoleUrl: consoleUrls[0] as string,
      consoleUrls,
      enrollToken: env.DOCKFLEET_ENROLL_TOKEN || undefined,
      stateDir: env.DOCKFLEET_STATE_DIR,
      credentialFile: env.DOCKFLEET_CREDENTIAL_FILE ?? join(env.DOCKFLEET_STATE_DIR, "credential.json"),
      /** Results not delivered yet (the console was unreachable when they were ready). */
      spoolDir: join(env.DOCKFLEET_STATE_DIR, "spool"),
      /** Volume backups kept on this host, each archive beside its manifest. */
      backupDir: join(env.DOCKFLEET_STATE_DIR, "backups"),
      consoleFingerprint: env.DOCKFLEET_CONSOLE_FINGERPRINT,
    };
  });

export type AgentConfig = z.output<typeof ConfigSchema> & {
  /** The Docker Engine: DOCKER_HOST (unix:// or tcp://, with DOCKER_TLS_VERIFY/DOCKER_CERT_PATH) or the default socket. */
  docker: Endpoint;
};

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

export function loadConfig(env: Record<string, string | undefined> = process.env): AgentConfig {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) =>
      issue.message.includes("DOCKFLEET_") ? issue.message : `${issue.path.join(".")}: ${issue.message}`,
    );
    throw new ConfigError(`invalid settings: ${issues.join("; ")}`);
  }
  let docker: Endpoint;
  try {
    docker = endpointFromEnv(env as NodeJS.ProcessEnv);
  } catch (error) {
    throw new ConfigError(`invalid settings: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { ...parsed.data, docker };
}

/** ws(s)://…/api/agent for the console's http(s) URL. */
export function linkUrl(consoleUrl: string, path: string): string {
  return `${consoleUrl.replace(/^http/, "ws")}${path}`;
}
