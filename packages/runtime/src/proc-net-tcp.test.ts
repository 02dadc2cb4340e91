import { describe, expect, it } from "vitest";
import { decodeAddress, parseProcNetTcp } from "./proc-net-tcp.ts";

const tcp = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 41234 1 0000000000000000 100 0 0 10 0
   1: 020012AC:1F90 030012AC:A2C4 01 00000000:00000000 00:00000000 00000000     0        0 41299 1 0000000000000000 20 4 30 10 -1
   2: 0100007F:D43B 0100007F:D078 06 00000000:00000000 03:0000171C 00000000     0        0 0 3 0000000000000000
`;

const tcp6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 51000 1 0000000000000000 100 0 0 10 0
   1: 0000000000000000FFFF0000020012AC:0050 0000000000000000FFFF0000030012AC:B3A8 01 00000000:00000000 00:00000000 00000000     0        0 51001 1 0000000000000000 20 4 0 10 -1
   2: B80D01200000000000000000010000FD:1F90 B80D01200000000000000000020000FD:C350 01 00000000:00000000 00:00000000 00000000     0        0 51002 1 0000000000000000 20 4 0 10 -1
`;

describe("parseProcNetTcp", () => {
  it("reads IPv4 sockets with ports, states and inodes (little-endian host)", () => {
    expect(parseProcNetTcp(tcp, "LE")).toEqual([
      {
        localIp: "0.0.0.0",
        localPort: 8080,
        remoteIp: "0.0.0.0",
        remotePort: 0,
        state: "listen",
        inode: 41234,
      },
      {
        localIp: "172.18.0.2",
        localPort: 8080,
        remoteIp: "172.18.0.3",
        remotePort: 41668,
        state: "established",
        inode: 41299,
      },
      {
        localIp: "127.0.0.1",
        localPort: 54331,
        remoteIp: "127.0.0.1",
        remotePort: 53368,
        state: "time_wait",
        inode: 0,
      },
    ]);
  });

  it("reads IPv6 sockets, turning IPv4-mapped addresses into IPv4", () => {
    const sockets = parseProcNetTcp(tcp6, "LE");
    expect(sockets.map((s) => [s.localIp, s.localPort, s.remoteIp, s.remotePort, s.state])).toEqual([
      ["::", 80, "::", 0, "listen"],
      ["172.18.0.2", 80, "172.18.0.3", 45992, "established"],
      ["2001:db8::fd00:1", 8080, "2001:db8::fd00:2", 50000, "established"],
    ]);
  });

  it("skips the header, blank and malformed lines", () => {
    expect(parseProcNetTcp("garbage\n\n  7: nonsense here\n", "LE")).toEqual([]);
  });
});

describe("decodeAddress", () => {
  it("honours the host's byte order", () => {
    expect(decodeAddress("0100007F", "LE")).toBe("127.0.0.1");
    expect(decodeAddress("7F000001", "BE")).toBe("127.0.0.1");
    expect(decodeAddress("00000000000000000000000001000000", "LE")).toBe("::1");
    expect(decodeAddress("20010DB8000000000000000000000001", "BE")).toBe("2001:db8::1");
  });
});
