/**
 * Postgres as the message bus between console replicas. Each replica LISTENs on a channel of its
 * own and on one shared channel for announcements. A message too large for a NOTIFY payload (the
 * limit is 8000 bytes) is written to the LinkMessage table and its notification carries the row id.
 *
 * Order: one connection sends all of a replica's messages, so they commit, and are delivered, in
 * the order they were sent; the receiver fetches a spilled message before it dispatches anything
 * that came after it.
 *
 * Other domains may listen on channels of their own (`subscribe`) through the same connection.
 *
 * Payloads may hold anything in transit (a terminal's keystrokes): the bus never logs their text.
 */
import pg from "pg";
import type { Query } from "./replicas.ts";

export const broadcastChannel = "dockfleet_link";

export function replicaChannel(replicaId: string): string {
  return `dockfleet_link_${replicaId}`;
}

/** Payloads up to this many bytes travel in the notification itself (Postgres refuses 8000 and more). */
export const notifyLimitBytes = 7_000;

export interface BusOptions {
  url: string;
  replicaId: string;
  /** Every message sent to this replica or to all, in order. */
  onMessage(message: unknown): void;
  /**
   * The connection to Postgres broke: messages may have been lost both ways. Called once per break,
   * before reconnecting.
   */
  onLost(error: Error): void;
  /** Connected (again), listening; `listenerPid` is the LISTEN session's backend PID. */
  onConnected(listenerPid: number): Promise<void>;
  log(message: string): void;
}

/** Listens on a channel of its own through a replica's bus (see `PgBus.subscribe`). */
export interface Subscriber {
  /** A notification on the channel, with its payload as sent. */
  onNotification(payload: string): void;
  /**
   * Listening on the channel, the first time or again after a broken connection: whatever was sent
   * on it meanwhile is lost, so the subscriber catches up from the database.
   */
  onListening(): void;
}

interface Clients {
  listener: pg.Client;
  sender: pg.Client;
}

export class PgBus {
  private clients: Clients | undefined;
  private inbox: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly started: Promise<void>;
  private readonly subscribers = new Map<string, Subscriber>();

  constructor(private readonly options: BusOptions) {
    this.started = this.connectUntilUp();
  }

  /** Resolves once the bus is listening the first time (or was closed meanwhile). */
  ready(): Promise<void> {
    return this.started;
  }

  get connected(): boolean {
    return this.clients !== undefined;
  }

  /** A query on the sending connection (queued behind the messages sent before it). */
  readonly query: Query = async (text, values) => {
    const clients = this.clients;
    if (!clients) throw new Error("not connected to Postgres");
    return clients.sender.query(text, values);
  };

  /** Sends `message` to a replica, or to every replica (null); rejects when Postgres is not reachable. */
  send(to: string | null, message: object): Promise<void> {
    const clients = this.clients;
    if (!clients) return Promise.reject(new Error("not connected to Postgres"));
    const channel = to === null ? broadcastChannel : replicaChannel(to);
    const text = JSON.stringify(message);
    const sent =
      Buffer.byteLength(text) <= notifyLimitBytes
        ? clients.sender.query("SELECT pg_notify($1, $2)", [channel, text])
        : clients.sender.query(
            `WITH m AS (INSERT INTO "LinkMessage" ("payload", "createdAt")
                        VALUES ($2, now() AT TIME ZONE 'UTC') RETURNING "id")
             SELECT pg_notify($1, json_build_object('kind', 'spilled', 'ref', m."id")::text) FROM m`,
            [channel, text],
          );
    const done = sent.then(() => undefined);
    this.pending.add(done);
    void done.catch(() => undefined).finally(() => this.pending.delete(done));
    return done;
  }

  /**
   * Listens on `channel` too, for as long as the bus runs (reconnects included): one subscriber per
   * channel. The channel must not be one the bus uses itself.
   */
  subscribe(channel: string, subscriber: Subscriber): void {
    if (channel.startsWith(broadcastChannel) || this.subscribers.has(channel)) {
      throw new Error(`the channel ${channel} is taken`);
    }
    this.subscribers.set(channel, subscriber);
    if (this.clients) this.listenOn(this.clients, channel);
  }

  /** Waits for messages already handed to `send`, then disconnects. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.pending]);
    const clients = this.clients;
    this.clients = undefined;
    if (clients) await endClients(clients);
  }

  private async connectUntilUp(): Promise<void> {
    for (let attempt = 0; !this.closed; attempt += 1) {
      try {
        await this.connect();
        return;
      } catch (error) {
        if (this.closed) return;
        const delay = Math.min(10_000, 500 * 2 ** attempt);
        this.options.log(
          `cannot listen on Postgres for the other replicas: ${(error as Error).message}; retrying in ${delay / 1000} s`,
        );
        await new Promise((resolve) => setTimeout(resolve, delay).unref());
      }
    }
  }

  private async connect(): Promise<void> {
    // TCP keep-alive: a listener whose server vanished without a word would otherwise wait forever.
    const config = {
      connectionString: this.options.url,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    };
    const clients: Clients = { listener: new pg.Client(config), sender: new pg.Client(config) };
    let up = false;
    const broke = (error: Error) => {
      if (up) this.lost(clients, error);
    };
    for (const client of [clients.listener, clients.sender]) {
      client.on("error", broke);
      client.on("end", () => broke(new Error("the connection ended")));
    }
    try {
      await Promise.all([clients.listener.connect(), clients.sender.connect()]);
      clients.listener.on("notification", (notification) => this.notified(clients, notification));
      const listen = clients.listener.escapeIdentifier(replicaChannel(this.options.replicaId));
      await clients.listener.query(`LISTEN ${listen}; LISTEN ${broadcastChannel}`);
      const { rows } = await clients.listener.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      if (this.closed) throw new Error("closed");
      this.clients = clients;
      up = true;
      for (const channel of this.subscribers.keys()) this.listenOn(clients, channel);
      await this.options.onConnected(rows[0]?.pid ?? 0);
    } catch (error) {
      if (this.clients === clients) this.clients = undefined;
      up = false;
      await endClients(clients);
      throw error;
    }
  }

  private lost(clients: Clients, error: Error): void {
    if (this.clients !== clients || this.closed) return;
    this.clients = undefined;
    void endClients(clients);
    this.options.log(`lost Postgres (${error.message}); calls through other replicas fail until it is back`);
    this.options.onLost(error);
    void this.connectUntilUp();
  }

  private listenOn(clients: Clients, channel: string): void {
    clients.listener.query(`LISTEN ${clients.listener.escapeIdentifier(channel)}`).then(
      () => {
        if (this.clients === clients) this.subscribers.get(channel)?.onListening();
      },
      // The connection broke: `lost` reconnects, and listens on the channel again.
      () => undefined,
    );
  }

  private notified(clients: Clients, notification: pg.Notification): void {
    const payload = notification.payload ?? "";
    const subscriber = this.subscribers.get(notification.channel);
    if (subscriber) {
      subscriber.onNotification(payload);
      return;
    }
    let from = `Postgres backend ${notification.processId}`;
    let bytes = Buffer.byteLength(payload);
    this.inbox = this.inbox
      .then(async () => {
        let message = parseJson(payload) as { kind?: unknown; ref?: unknown; from?: unknown };
        if (message?.kind === "spilled") {
          const { rows } = await clients.sender.query<{ payload: string }>(
            `DELETE FROM "LinkMessage" WHERE "id" = $1 RETURNING "payload"`,
            [message.ref],
          );
          const row = rows[0];
          if (!row) throw new Dropped("the spilled message it names is gone");
          bytes = Buffer.byteLength(row.payload);
          message = parseJson(row.payload) as typeof message;
        }
        if (typeof message?.from === "string" && replicaIdShape.test(message.from)) {
          from = `replica ${message.from}`;
        }
        try {
          this.options.onMessage(message);
        } catch (error) {
          throw new Dropped(`its handler threw ${(error as Error).name}`);
        }
      })
      .catch((error: unknown) => {
        if (this.clients !== clients) return;
        // Only what the bus itself said: a parser's or handler's message may quote the payload.
        const why = error instanceof Dropped ? error.message : "it could not be fetched";
        this.options.log(
          `dropped a message on ${notification.channel} from ${from} (${bytes} bytes): ${why}`,
        );
      });
  }
}

/** A sender's replica id as replicas make them (hex); anything else in `from` is not repeated. */
const replicaIdShape = /^[0-9a-f]{1,64}$/;

/** Why the bus dropped a message, in words that never quote it. */
class Dropped extends Error {}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Dropped("not JSON");
  }
}

async function endClients(clients: Clients): Promise<void> {
  await Promise.allSettled([clients.listener.end(), clients.sender.end()]);
}
