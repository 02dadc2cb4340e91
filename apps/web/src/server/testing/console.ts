/** Starts the console's real HTTP server on a fresh test database, for API integration tests. */
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../../generated/prisma/client.ts";
import { issueSetupToken } from "../access/setup.ts";
import { loadConfig } from "../config.ts";
import { createTestDatabase, type TestDatabase } from "../db/testing.ts";
import { createConsoleServer, listen } from "../http/server.ts";
import { configureOnboarding } from "../onboarding/settings.ts";
import { ApiClient } from "./api-client.ts";

export interface TestConsole {
  url: string;
  db: PrismaClient;
  /** Its database, for another replica to join (`startTestConsole({ databaseUrl })`). */
  databaseUrl: string;
  client(options?: ConstructorParameters<typeof ApiClient>[1]): ApiClient;
  /** Creates the first admin through the real setup flow and returns their signed-in client. */
  admin(): Promise<ApiClient>;
  /** Invites a user (as `admin`), accepts the invite, returns their signed-in client and id. */
  invitedUser(admin: ApiClient, email: string): Promise<{ client: ApiClient; id: string }>;
  stop(): Promise<void>;
}

export const adminEmail = "admin@dockfleet.test";
export const testPassword = "correct horse battery staple";

export interface TestConsoleOptions {
  /** Address to listen on; lab hosts reach the console on the lab bridge, so their tests use 0.0.0.0. */
  listenHost?: string;
  /** The console URL onboarded agents dial (default: the listening URL). */
  agentConsoleUrl?: (port: number) => string;
  /**
   * Join this existing database as another console replica instead of creating one; `stop()`
   * then leaves the database to its creator.
   */
  databaseUrl?: string;
}

/** The agent bundle built by `npm run build`. */
export const agentBundlePath = fileURLToPath(new URL("../../../../agent/dist/agent.cjs", import.meta.url));

export async function startTestConsole(options: TestConsoleOptions = {}): Promise<TestConsole> {
  const database = options.databaseUrl ? joinDatabase(options.databaseUrl) : await createTestDatabase();
  // The UI is not under test here: anything outside /api answers 404.
  const ui = (_req: unknown, res: import("node:http").ServerResponse) => {
    res.statusCode = 404;
    res.end();
  };
  const bootConfig = loadConfig({ DATABASE_URL: database.url, PORT: "3000" });
  const server = createConsoleServer({ config: bootConfig, db: database.prisma, ui });
  await listen(server, 0, options.listenHost ?? "127.0.0.1");
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  configureOnboarding(database.prisma, {
    masterKey: randomBytes(32),
    nodeBinary: process.execPath,
    agentBundle: agentBundlePath,
    consoleUrl: options.agentConsoleUrl?.(port) ?? url,
    onlineTimeoutMs: 60_000,
  });
  return {
    url,
    db: database.prisma,
    databaseUrl: database.url,
    client: (options) => new ApiClient(url, options),
    async admin() {
      const token = await issueSetupToken(database.prisma);
      const client = new ApiClient(url);
      await client.must("mutate", "auth.setup", {
        token,
        email: adminEmail,
        name: "Admin",
        password: testPassword,
      });
      return client;
    },
    async invitedUser(admin, email) {
      const invite = await admin.must<{ user: { id: string }; inviteUrl: string }>("mutate", "users.invite", {
        email,
        name: email.split("@")[0],
      });
      const token = new URL(invite.inviteUrl).searchParams.get("token");
      const client = new ApiClient(url);
      await client.must("mutate", "auth.acceptInvite", { token, password: testPassword });
      return { client, id: invite.user.id };
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await database.drop();
    },
  };
}

/** Another client of an existing test database; "dropping" it only disconnects. */
function joinDatabase(url: string): Pick<TestDatabase, "url" | "prisma" | "drop"> {
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
  return { url, prisma, drop: () => prisma.$disconnect() };
}
