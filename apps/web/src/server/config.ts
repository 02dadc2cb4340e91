/** The console's settings: read once from the environment, validated, documented in the README. */
import { resolve } from "node:path";
import { z } from "zod";

const ConfigSchema = z
  .object({
    DATABASE_URL: z
      .string({ error: "DATABASE_URL is not set (e.g. postgresql://user:pass@localhost:5432/dockfleet)" })
      .refine((value) => /^postgres(ql)?:\/\//.test(value), "DATABASE_URL must start with postgresql://"),
    PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    HOST: z.string().default("0.0.0.0"),
    DOCKFLEET_DATA_DIR: z.string().default(".dockfleet"),
    DOCKFLEET_PUBLIC_URL: z.url().optional(),
    NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
    DOCKFLEET_LOCAL_ENROLLMENT_FILE: z.string().min(1).optional(),
  })
  .transform((env) => ({
    databaseUrl: env.DATABASE_URL,
    port: env.PORT,
    host: env.HOST,
    dataDir: resolve(env.DOCKFLEET_DATA_DIR),
    publicUrl: (env.DOCKFLEET_PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/$/, ""),
    dev: env.NODE_ENV === "development",
    /** Set by `npm start`: where to write an enrollment token for this machine's own agent. */
    localEnrollmentFile: env.DOCKFLEET_LOCAL_ENROLLMENT_FILE,
  }));

export type Config = z.infer<typeof ConfigSchema>;

/** Thrown for a setting that is missing or malformed; its message is one line naming the setting. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => `${issue.path.join(".") || "config"}: ${issue.message}`);
  throw new ConfigError(`invalid settings: ${issues.join("; ")}`);
}

/** The URL with its password replaced, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, "$1***@");
}
