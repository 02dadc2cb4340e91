/** Parsing of Linux's /proc/<pid>/net/tcp and tcp6: the sockets of one network namespace. */

export const tcpStates = {
  "01": "established",
  "02": "syn_sent",
  "03": "syn_recv",
  "04": "fin_wait1",
  "05": "fin_wait2",
  "06": "time_wait",
  "07": "close",
  "08": "close_wait",
  "09": "last_ack",
  "0A": "listen",
  "0B": "closing",
} as const;
export type TcpState = (typeof tcpStates)[keyof typeof tcpStates] | "unknown";

export interface TcpSocket {
  localIp: string;
  localPort: number;
  remoteIp: string;
  remotePort: number;
  state: TcpState;
  /** Socket inode; 0 for sockets in TIME_WAIT (no owner left). */
  inode: number;
}

export type Endianness = "LE" | "BE";

/** The kernel prints each 32-bit word of an address in host byte order. */
function wordBytes(hex: string, endianness: Endianness): number[] {
  const bytes = [0, 2, 4, 6].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
  return endianness === "LE" ? bytes.reverse() : bytes;
}

function ipv4(bytes: number[]): string {
  return bytes.join(".");
}

/** RFC 5952 text: lowercase, no leading zeros, the longest run of 2+ zero groups as `::`. */
function ipv6(bytes: number[]): string {
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0));
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j;
  }
  const text = groups.map((g) => g.toString(16));
  if (best.len < 2) return text.join(":");
  return `${text.slice(0, best.at).join(":")}::${text.slice(best.at + best.len).join(":")}`;
}

/**
 * Decodes `0100007F` (IPv4) or 32 hex digits (IPv6). IPv4-mapped IPv6 addresses (a dual-stack
 * socket talking IPv4) come back as plain IPv4, so peers match by one address.
 */
export function decodeAddress(hex: string, endianness: Endianness): string {
  if (hex.length === 8) return ipv4(wordBytes(hex, endianness));
  if (hex.length !== 32) throw new Error(`not a /proc/net/tcp address: ${hex}`);
  const bytes = [0, 8, 16, 24].flatMap((i) => wordBytes(hex.slice(i, i + 8), endianness));
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? ipv4(bytes.slice(12)) : ipv6(bytes);
}

function endpoint(text: string, endianness: Endianness): { ip: string; port: number } {
  const [hex = "", port = ""] = text.split(":");
  return { ip: decodeAddress(hex, endianness), port: Number.parseInt(port, 16) };
}

/**
 * Parses the text of /proc/<pid>/net/tcp or tcp6 (header line and malformed lines skipped).
 * `endianness` is the host's (os.endianness()); the kernel writes addresses in it.
 */
export function parseProcNetTcp(text: string, endianness: Endianness): TcpSocket[] {
  const sockets: TcpSocket[] = [];
  for (const line of text.split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (!/^\d+:$/.test(fields[0] ?? "")) continue;
    const [, local, remote, state, , , , , , inode] = fields;
    if (!local || !remote || !state || !/^[0-9A-F]+:[0-9A-F]{4}$/i.test(local)) continue;
    try {
      const l = endpoint(local, endianness);
      const r = endpoint(remote, endianness);
      sockets.push({
        localIp: l.ip,
        localPort: l.port,
        remoteIp: r.ip,
        remotePort: r.port,
        state: tcpStates[state.toUpperCase() as keyof typeof tcpStates] ?? "unknown",
        inode: Number(inode ?? 0),
      });
    } catch {
      // A line the kernel never writes; skip it rather than lose the namespace.
    }
  }
  return sockets;
}
