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

  /** Like mutate/query but throws unless the call succeeded; returns the data. */
  async must<T = unknown>(kind: "query" | "mutate", path: string, input?: unknown): Promise<T> {
    const result = kind === "query" ? await this.query<T>(path, input) : await this.mutate<T>(path, input);
    if (!result.ok) throw new Error(`${path}: ${result.error.code} ${result.error.message}`);
    return result.data;
  }
}
