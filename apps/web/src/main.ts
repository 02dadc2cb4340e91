/** Starts the console: settings, database migrations, the Next.js UI and the API on one port. */
import path from "node:path";
import { fileURLToPath } from "node:url";
import next from "next";
import { issueSetupToken } from "./server/access/setup.ts";
import { type Config, loadConfig, redactUrl } from "./server/config.ts";
import { applyMigrations } from "./server/db/migrations.ts";
import { connectDatabase, disconnectDatabase } from "./server/db.ts";
import { writeLocalEnrollment } from "./server/hosts/local-host.ts";
import { createConsoleServer, listen } from "./server/http/server.ts";
import { configureOnboarding } from "./server/onboarding/settings.ts";
import { loadOrCreateMasterKey } from "./server/secrets/master-key.ts";

const webDir = fileURLToPath(new URL("..", import.meta.url));
const migrationsDir = fileURLToPath(new URL("../../../prisma/migrations", import.meta.url));

async function migrate(config: Config): Promise<void> {
  try {
    await applyMigrations(config.databaseUrl, { migrationsDir });
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new Error(`database ${redactUrl(config.databaseUrl)}: ${reason}`);
  }
}

async function start(): Promise<void> {
  const config = loadConfig();
  await migrate(config);
  const db = connectDatabase(config.databaseUrl);
  configureOnboarding(db, {
    masterKey: await loadOrCreateMasterKey(config.dataDir),
    nodeBinary: process.execPath,
    agentBundle: path.join(webDir, "../agent/dist/agent.cjs"),
    consoleUrl: config.publicUrl,
    onlineTimeoutMs: 90_000,
  });
  const ui = next({ dev: config.dev, dir: webDir, hostname: "localhost", port: config.port });
  await ui.prepare();
  const server = createConsoleServer({ config, db, ui: ui.getRequestHandler() });
  await listen(server, config.port, config.host);
  console.log(`Dockfleet console listening on ${config.publicUrl} (bound to ${config.host}:${config.port})`);
  if (config.localEnrollmentFile) await writeLocalEnrollment(db, config.localEnrollmentFile);
  const setupToken = await issueSetupToken(db);
  if (setupToken) {
    console.log(`First run: create the first admin at ${config.publicUrl}/setup?token=${setupToken}`);
  }

  const stop = async (signal: string) => {
    console.log(`received ${signal}, shutting down`);
    server.close();
    server.closeAllConnections();
    await disconnectDatabase();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

start().catch((error: unknown) => {
  // One line naming the problem: operators read this, not a stack trace.
  console.error(`dockfleet: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
