import { describe, expect, it } from "vitest";
import { type ContainerFacts, containerFindings, dockerdListenFacts, hostFindings } from "./posture-rules.ts";

const hardened: ContainerFacts = {
  Name: "/api",
  Config: { User: "1000:1000", Image: "registry.example:5000/team/api:1.4.2" },
  HostConfig: {
    Privileged: false,
    NetworkMode: "app",
    PidMode: "",
    IpcMode: "private",
    CapAdd: null,
    Memory: 256 * 1024 ** 2,
    NanoCpus: 500_000_000,
    ReadonlyRootfs: true,
    RestartPolicy: { Name: "unless-stopped" },
    SecurityOpt: null,
  },
  Mounts: [{ Source: "/var/lib/docker/volumes/data/_data", Destination: "/data" }],
};

const daemon = { securityOptions: ["name=seccomp,profile=default"] };
const ids = (c: ContainerFacts, d = daemon) => containerFindings(c, d).map((f) => `${f.severity}:${f.id}`);

describe("containerFindings", () => {
  it("finds nothing in a hardened container", () => {
    expect(containerFindings(hardened, daemon)).toEqual([]);
  });

  it("finds every risky setting, most severe first, each with a fix", () => {
    const risky: ContainerFacts = {
      Name: "/ops",
      Config: { User: "", Image: "busybox" },
      HostConfig: {
        Privileged: true,
        NetworkMode: "host",
        PidMode: "host",
        IpcMode: "host",
        CapAdd: ["NET_RAW", "CAP_SYS_ADMIN"],
        Memory: 0,
        NanoCpus: 0,
        ReadonlyRootfs: false,
        RestartPolicy: { Name: "no" },
        SecurityOpt: ["seccomp=unconfined"],
      },
      Mounts: [{ Source: "/var/run/docker.sock", Destination: "/var/run/docker.sock" }],
    };
    expect(ids(risky)).toEqual([
      "high:container.privileged",
      "high:container.docker_socket",
      "high:container.host_pid",
      "high:container.added_capabilities",
      "medium:container.host_network",
      "medium:container.host_ipc",
      "medium:container.unconfined",
      "medium:container.root_user",
      "medium:container.no_memory_limit",
      "low:container.no_cpu_limit",
      "low:container.writable_rootfs",
      "low:container.floating_image",
      "low:container.no_restart_policy",
    ]);
    const findings = containerFindings(risky, daemon);
    expect(findings.every((f) => f.fix.length > 0 && f.title.length > 0)).toBe(true);
    expect(findings.find((f) => f.id === "container.added_capabilities")?.detail).toContain("SYS_ADMIN");
    expect(findings.find((f) => f.id === "container.floating_image")?.title).toBe("Runs an untagged image");
  });

  it("rates harmless added capabilities medium, and root low under a user namespace", () => {
    const c = {
      ...hardened,
      Config: { ...hardened.Config, User: "root" },
      HostConfig: { ...hardened.HostConfig, CapAdd: ["NET_BIND_SERVICE"] },
    };
    expect(ids(c)).toEqual(["medium:container.added_capabilities", "medium:container.root_user"]);
    expect(ids(c, { securityOptions: ["name=userns"] })).toEqual([
      "medium:container.added_capabilities",
      "low:container.root_user",
    ]);
  });

  it("tells :latest from pinned tags, ids and digests", () => {
    const withImage = (Image: string) => ids({ ...hardened, Config: { ...hardened.Config, Image } });
    expect(withImage("localhost:5000/app:latest")).toEqual(["low:container.floating_image"]);
    expect(withImage("localhost:5000/app")).toEqual(["low:container.floating_image"]);
    expect(withImage(`app@sha256:${"a".repeat(64)}`)).toEqual([]);
    expect(withImage(`sha256:${"b".repeat(64)}`)).toEqual([]);
    expect(withImage("app:2")).toEqual([]);
  });

  it("counts --cpuset-cpus or a CPU quota as a CPU limit", () => {
    const withCpu = (extra: object) =>
      ids({ ...hardened, HostConfig: { ...hardened.HostConfig, NanoCpus: 0, ...extra } });
    expect(withCpu({})).toEqual(["low:container.no_cpu_limit"]);
    expect(withCpu({ CpusetCpus: "0" })).toEqual([]);
    expect(withCpu({ CpuQuota: 50_000 })).toEqual([]);
  });
});

describe("hostFindings", () => {
  it("flags a plain TCP endpoint and plain TCP hosts of the daemon, not TLS ones", () => {
    expect(hostFindings({ endpoint: { kind: "socket" }, daemonHosts: [], daemonTlsVerify: false })).toEqual(
      [],
    );
    const viaTcp = hostFindings({
      endpoint: { kind: "tcp", host: "10.0.0.5", port: 2375, tls: false },
      daemonHosts: [],
      daemonTlsVerify: false,
    });
    expect(viaTcp).toEqual([expect.objectContaining({ id: "host.tcp_without_tls", severity: "high" })]);
    expect(viaTcp[0]?.detail).toContain("tcp://10.0.0.5:2375");
    const daemonOpen = hostFindings({
      endpoint: { kind: "socket" },
      daemonHosts: ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"],
      daemonTlsVerify: false,
    });
    expect(daemonOpen[0]?.detail).toContain("tcp://0.0.0.0:2375");
    expect(
      hostFindings({
        endpoint: { kind: "socket" },
        daemonHosts: ["tcp://0.0.0.0:2376"],
        daemonTlsVerify: true,
      }),
    ).toEqual([]);
    expect(
      hostFindings({
        endpoint: { kind: "tcp", host: "h", port: 2376, tls: true },
        daemonHosts: [],
        daemonTlsVerify: true,
      }),
    ).toEqual([]);
  });
});

describe("dockerdListenFacts", () => {
  it("reads -H forms, --tlsverify and daemon.json", () => {
    expect(
      dockerdListenFacts(["-H", "unix:///run/x.sock", "--host=tcp://0.0.0.0:2375", "-Htcp://1.2.3.4:1"]),
    ).toEqual({
      hosts: ["unix:///run/x.sock", "tcp://0.0.0.0:2375", "tcp://1.2.3.4:1"],
      tlsVerify: false,
    });
    expect(dockerdListenFacts(["--tlsverify"], { hosts: ["tcp://0.0.0.0:2376"] })).toEqual({
      hosts: ["tcp://0.0.0.0:2376"],
      tlsVerify: true,
    });
    expect(dockerdListenFacts(["--pidfile", "/run/d.pid"], { tlsverify: true })).toEqual({
      hosts: [],
      tlsVerify: true,
    });
  });
});
