import { describe, expect, it } from "vitest";
import type { TcpSocket } from "./proc-net-tcp.ts";
import { liveEdges } from "./topology-edges.ts";

const listen = (ip: string, port: number): TcpSocket => ({
  localIp: ip,
  localPort: port,
  remoteIp: ip.includes(":") ? "::" : "0.0.0.0",
  remotePort: 0,
  state: "listen",
  inode: 1,
});
const est = (local: string, remote: string): TcpSocket => {
  const [lip = "", lport = ""] = local.split(/:(?=\d+$)/);
  const [rip = "", rport = ""] = remote.split(/:(?=\d+$)/);
  return {
    localIp: lip,
    localPort: Number(lport),
    remoteIp: rip,
    remotePort: Number(rport),
    state: "established",
    inode: 2,
  };
};

const owners = new Map([
  ["172.18.0.2", "web"],
  ["172.18.0.3", "db"],
  ["172.18.0.4", "cache"],
]);

describe("liveEdges", () => {
  it("counts a connection once although both namespaces show it, client → server", () => {
    const edges = liveEdges(
      [
        {
          containerId: "web",
          sockets: [est("172.18.0.2:40000", "172.18.0.3:5432"), est("172.18.0.2:40001", "172.18.0.3:5432")],
        },
        {
          containerId: "db",
          sockets: [
            listen("0.0.0.0", 5432),
            est("172.18.0.3:5432", "172.18.0.2:40000"),
            est("172.18.0.3:5432", "172.18.0.2:40001"),
          ],
        },
      ],
      owners,
    );
    expect(edges).toEqual([{ source: "web", target: "db", port: 5432, connections: 2 }]);
  });

  it("finds the edge from one side only, either side", () => {
    const fromServer = liveEdges(
      [
        {
          containerId: "db",
          sockets: [listen("172.18.0.3", 5432), est("172.18.0.3:5432", "172.18.0.2:40000")],
        },
      ],
      owners,
    );
    const fromClient = liveEdges(
      [{ containerId: "web", sockets: [est("172.18.0.2:40000", "172.18.0.3:5432")] }],
      owners,
    );
    expect(fromServer).toEqual([{ source: "web", target: "db", port: 5432, connections: 1 }]);
    expect(fromClient).toEqual(fromServer);
  });

  it("leaves out the host, the outside, loopback and listeners", () => {
    const edges = liveEdges(
      [
        {
          containerId: "web",
          sockets: [
            listen("::", 80),
            est("172.18.0.2:80", "172.18.0.1:51000"), // docker-proxy / gateway
            est("172.18.0.2:41000", "93.184.216.34:443"),
            est("127.0.0.1:5000", "127.0.0.1:5001"),
            { ...est("172.18.0.2:42000", "172.18.0.4:6379"), state: "time_wait" },
          ],
        },
      ],
      owners,
    );
    expect(edges).toEqual([]);
  });

  it("keeps ports apart and sorts", () => {
    const edges = liveEdges(
      [
        {
          containerId: "web",
          sockets: [
            est("172.18.0.2:40000", "172.18.0.4:6379"),
            est("172.18.0.2:40002", "172.18.0.3:5432"),
            est("172.18.0.2:40003", "172.18.0.3:5433"),
          ],
        },
      ],
      owners,
    );
    expect(edges.map((e) => `${e.source}>${e.target}:${e.port}`)).toEqual([
      "web>cache:6379",
      "web>db:5432",
      "web>db:5433",
    ]);
  });
});
