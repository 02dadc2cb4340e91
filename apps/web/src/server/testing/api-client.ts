/** A test client for the console's real HTTP API: speaks tRPC's wire format, keeps a cookie or a token. */
import superjson from "superjson";

export interface ApiError {
  code: string;
  httpStatus: number;
  message: string;
}

export type ApiResult<T = unknown> =
  | { ok: true; data: T; status: number }
  | { ok: false; error: ApiError; status: number };

export class ApiClient {
  cookie: string | undefined;
  lastSetCookie: string[] = [];

  constructor(
    readonly baseUrl: string,
    readonly options: { bearer?: string; origin?: string } = {},
  ) {}

  private headers(): Record<string, string> {
    return {
      "content-type": "application/json",
      ...(this.cookie ? { cookie: this.cookie } : {}),
      ...(this.options.bearer ? { authorization: `Bearer ${this.options.bearer}` } : {}),
      ...(this.options.origin ? { origin: this.options.origin } : {}),
    };
  }

  private async parse<T>(response: Response): Promise<ApiResult<T>> {
    this.lastSetCookie = response.headers.getSetCookie();
    const session = this.lastSetCookie.map((c) => c.split(";")[0] ?? "").find((c) => /session=/.test(c));
    if (session !== undefined) this.cookie = session.endsWith("=") ? undefined : session;
    const body = (await response.json()) as {
      result?: { data: unknown };
      error?: {
        json?: { message: string; data: { code: string; httpStatus: number } };
        message?: string;
        code?: string;
      };
    };
    if (body.result)
      return {
        ok: true,
        data: superjson.deserialize(body.result.data as never) as T,
        status: response.status,
      };
    const json = body.error?.json;
    return {
      ok: false,
      status: response.status,
      error: json
        ? { code: json.data.code, httpStatus: json.data.httpStatus, message: json.message }
        : {
            code: body.error?.code ?? "UNKNOWN",
            httpStatus: response.status,
            message: body.error?.message ?? "",
          },
    };
  }

  async query<T = unknown>(path: string, input?: unknown): Promise<ApiResult<T>> {
    const query =
      input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(superjson.serialize(input)))}`;
    return this.parse<T>(
      await fetch(`${this.baseUrl}/api/trpc/${path}${query}`, { headers: this.headers() }),
    );
  }

  async mutate<T = unknown>(path: string, input?: unknown): Promise<ApiResult<T>> {
    const response = await fetch(`${this.baseUrl}/api/trpc/${path}`, {
      method: "POST",
      headers: this.headers(),
      body: JSON.stringify(input === undefined ? {} : superjson.serialize(input)),
    });
    return this.parse<T>(response);
  }

  /**
   * Opens a subscription over SSE, as the browser does, and yields its data events; an error event
   * (denied, offline…) is thrown as an Error whose message starts with the tRPC code.
   */
  async *subscribe<T = unknown>(path: string, input: unknown, signal?: AbortSignal): AsyncGenerator<T> {
    for await (const event of this.subscribeTracked<T>(path, input, { signal })) yield event.data;
  }

  /**
   * Like `subscribe`, with each event's id (set by the procedure's `tracked()`); `lastEventId` is
   * sent as a reconnecting EventSource sends it, in the Last-Event-ID header.
   */
  async *subscribeTracked<T = unknown>(
    path: string,
    input: unknown,
    options: { signal?: AbortSignal; lastEventId?: string } = {},
  ): AsyncGenerator<{ id: string | undefined; data: T }> {
    const query = `?input=${encodeURIComponent(JSON.stringify(superjson.serialize(input)))}`;
    const response = await fetch(`${this.baseUrl}/api/trpc/${path}${query}`, {
      headers: {
        ...this.headers(),
        accept: "text/event-stream",
        ...(options.lastEventId === undefined ? {} : { "last-event-id": options.lastEventId }),
      },
      signal: options.signal,
    });
    if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
    let buffer = "";
    const decoded = response.body.pipeThrough(new TextDecoderStream()) as unknown as AsyncIterable<string>;
    for await (const chunk of decoded) {
      buffer += chunk;
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf("\n\n");
        const type = event.match(/^event: (.*)$/m)?.[1];
        const data = event.match(/^data: (.*)$/m)?.[1];
        if (type === "return") return; // the procedure's stream ended
        // Besides data and errors: `connected`, pings, and `restore-id` (an id without data).
        if (data === undefined || (type !== undefined && type !== "serialized-error")) continue;
        const parsed = JSON.parse(data);
        if (type === "serialized-error") {
          const error = superjson.deserialize(parsed) as { message: string; data: { code: string } };
          throw new Error(`${error.data.code}: ${error.message}`);
        }
        yield { id: event.match(/^id: (.*)$/m)?.[1], data: superjson.deserialize(parsed) as T };
      }
    }
  }

  /** Like mutate/query but throws unless the call succeeded; returns the data. */
  async must<T = unknown>(kind: "query" | "mutate", path: string, input?: unknown): Promise<T> {
    const result = kind === "query" ? await this.query<T>(path, input) : await this.mutate<T>(path, input);
    if (!result.ok) throw new Error(`${path}: ${result.error.code} ${result.error.message}`);
    return result.data;
  }
}
