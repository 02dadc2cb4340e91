/** Readers for the fields of a Compose file the deploy checks look at, in both their short and long syntax. */

export type Json = Record<string, unknown>;

export function asObject(value: unknown): Json | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

export function environment(svc: Json | undefined): Record<string, string> {
  const env = svc?.environment;
  const out: Record<string, string> = {};
  if (Array.isArray(env)) {
    for (const item of env) {
      const [key, value = ""] = String(item).split(/=(.*)/s);
      if (key) out[key] = value;
    }
  } else {
    for (const [key, value] of Object.entries(asObject(env) ?? {}))
      out[key] = value == null ? "" : String(value);
  }
  return out;
}

export interface Port {
  published?: string;
  target: number;
}

export function ports(svc: Json | undefined): Port[] {
  const list = Array.isArray(svc?.ports) ? svc.ports : [];
  return list.map((item): Port => {
    const long = asObject(item);
    if (long) {
      const port: Port = { target: Number(long.target) };
      if (long.published !== undefined) port.published = String(long.published);
      return port;
    }
    // [host_ip:][published:]target[/protocol]; host_ip may be [::1].
    const parts = String(item)
      .replace(/\/(tcp|udp)$/, "")
      .split(/:(?![^[]*\])/);
    const port: Port = { target: Number(parts[parts.length - 1]) };
    const published = parts[parts.length - 2];
    if (published !== undefined) port.published = published;
    return port;
  });
}

export interface Mount {
  type: string;
  source?: string;
  target: string;
  readOnly: boolean;
}

export function mounts(svc: Json | undefined): Mount[] {
  const list = Array.isArray(svc?.volumes) ? svc.volumes : [];
  return list.map((item): Mount => {
    const long = asObject(item);
    if (long) {
      const mount: Mount = {
        type: String(long.type ?? "volume"),
        target: String(long.target),
        readOnly: long.read_only === true,
      };
      if (long.source !== undefined) mount.source = String(long.source);
      return mount;
    }
    const [first = "", second, mode = ""] = String(item).split(":");
    if (second === undefined) return { type: "volume", target: first, readOnly: false };
    const bind = /^[./~$]/.test(first);
    return {
      type: bind ? "bind" : "volume",
      source: first,
      target: second,
      readOnly: mode.split(",").includes("ro"),
    };
  });
}

/** A healthcheck's command as an argv (CMD) or one shell line (CMD-SHELL); undefined when absent or disabled. */
export function healthTest(svc: Json | undefined): { kind: "CMD" | "CMD-SHELL"; argv: string[] } | undefined {
  const check = asObject(svc?.healthcheck);
  if (!check || check.disable === true) return undefined;
  const test = check.test;
  if (typeof test === "string") return { kind: "CMD-SHELL", argv: [test] };
  if (!Array.isArray(test)) return undefined;
  const [kind, ...argv] = test.map(String);
  if (kind === "CMD" || kind === "CMD-SHELL") return { kind, argv };
  return undefined;
}

/** Every string in the parsed compose file, with where it sits. */
export function strings(value: unknown, at = ""): [string, string][] {
  if (typeof value === "string") return [[at, value]];
  if (Array.isArray(value)) return value.flatMap((item, i) => strings(item, `${at}[${i}]`));
  const object = asObject(value);
  if (!object) return [];
  return Object.entries(object).flatMap(([key, item]) => [
    ...strings(key, `${at}.${key} (key)`),
    ...strings(item, `${at}.${key}`),
  ]);
}

/** `${NAME...}` references in a string, with their modifier (":?" for required, ":-" for default, ...). */
export function references(text: string): { name: string; modifier: string }[] {
  return [...text.matchAll(/\$\{(\w+)(:?[-?+]?)[^}]*\}/g)].map((match) => ({
    name: match[1] ?? "",
    modifier: match[2] ?? "",
  }));
}
