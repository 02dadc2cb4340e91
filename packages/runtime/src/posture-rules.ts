/**
 * Security posture rules, pure: findings from a container's inspect data and from facts about the
 * daemon, after Docker's own security guidance (CIS Docker Benchmark). No Engine calls here.
 */
import { z } from "zod";

export const Severity = z.enum(["high", "medium", "low"]);
export type Severity = z.infer<typeof Severity>;

export const Finding = z.object({
  /** Stable id, e.g. `container.privileged`, `host.tcp_without_tls`. */
  id: z.string(),
  severity: Severity,
  title: z.string(),
  /** The specifics of this case (which capabilities, which mount). */
  detail: z.string(),
  /** What to change. */
  fix: z.string(),
});
export type Finding = z.infer<typeof Finding>;

/** The parts of `docker inspect <container>` the rules read. */
export interface ContainerFacts {
  Name: string;
  Config: { User?: string; Image: string };
  HostConfig: {
    Privileged?: boolean;
    NetworkMode?: string;
    PidMode?: string;
    IpcMode?: string;
    CapAdd?: string[] | null;
    Memory?: number;
    NanoCpus?: number;
    CpuQuota?: number;
    CpusetCpus?: string;
    ReadonlyRootfs?: boolean;
    RestartPolicy?: { Name?: string };
    SecurityOpt?: string[] | null;
  };
  Mounts?: Array<{ Source?: string; Destination?: string }>;
}

/** What the daemon itself tells about its isolation. */
export interface DaemonFacts {
  /** From `docker info` SecurityOptions, e.g. `name=userns`, `name=rootless`. */
  securityOptions: string[];
}

/** Capabilities that amount to (nearly) root on the host. */
const dangerousCaps = new Set([
  "ALL",
  "SYS_ADMIN",
  "SYS_MODULE",
  "SYS_PTRACE",
  "SYS_RAWIO",
  "DAC_READ_SEARCH",
  "NET_ADMIN",
  "BPF",
]);

const finding = (id: string, severity: Severity, title: string, detail: string, fix: string): Finding => ({
  id,
  severity,
  title,
  detail,
  fix,
});

type Rule = (c: ContainerFacts, daemon: DaemonFacts) => Finding | undefined;

const privileged: Rule = (c) =>
  c.HostConfig.Privileged
    ? finding(
        "container.privileged",
        "high",
        "Runs privileged",
        "--privileged gives every capability and all host devices; escaping to the host is trivial",
        "Drop --privileged; add only the capabilities and devices it needs (--cap-add, --device)",
      )
    : undefined;

/** A user namespace (userns-remap or rootless) maps container root to an unprivileged host user. */
const remapped = (daemon: DaemonFacts) =>
  daemon.securityOptions.some((o) => /name=(userns|rootless)/.test(o));

const runsAsRoot: Rule = (c, daemon) => {
  const user = (c.Config.User ?? "").split(":")[0] ?? "";
  if (user !== "" && user !== "root" && user !== "0") return undefined;
  const mapped = remapped(daemon);
  return finding(
    "container.root_user",
    mapped ? "low" : "medium",
    "Runs as root",
    `its processes run as root (uid 0)${mapped ? ", remapped by the daemon's user namespace" : ", which is root on the host if it escapes"}`,
    "Run as an unprivileged user: --user 1000:1000, or USER in the image",
  );
};

const dockerSocket: Rule = (c) => {
  const mount = (c.Mounts ?? []).find((m) => /(^|\/)docker\.sock$/.test(m.Source ?? ""));
  return mount
    ? finding(
        "container.docker_socket",
        "high",
        "Docker socket mounted",
        `${mount.Source} is mounted at ${mount.Destination}: whoever controls the container controls the host's Docker, and so the host`,
        "Remove the socket mount; if it must talk to Docker, put an API proxy that allows only the calls it needs in between",
      )
    : undefined;
};

const hostNamespace =
  (kind: "network" | "pid" | "ipc", severity: Severity, field: "NetworkMode" | "PidMode" | "IpcMode"): Rule =>
  (c) =>
    c.HostConfig[field] === "host"
      ? finding(
          `container.host_${kind === "network" ? "network" : kind}`,
          severity,
          `Shares the host's ${kind === "pid" ? "PID" : kind === "ipc" ? "IPC" : "network"} namespace`,
          `--${kind === "network" ? "network" : kind}=host removes that isolation from the host`,
          kind === "network"
            ? "Use a bridge or user-defined network and publish only the ports it serves"
            : `Drop --${kind}=host`,
        )
      : undefined;

const addedCaps: Rule = (c) => {
  const caps = (c.HostConfig.CapAdd ?? []).map((cap) => cap.toUpperCase().replace(/^CAP_/, ""));
  if (caps.length === 0) return undefined;
  const dangerous = caps.filter((cap) => dangerousCaps.has(cap));
  return finding(
    "container.added_capabilities",
    dangerous.length > 0 ? "high" : "medium",
    "Adds capabilities",
    `--cap-add ${caps.join(", ")}${dangerous.length > 0 ? ` (${dangerous.join(", ")} amount to host root)` : ""}`,
    "Remove capabilities it does not need; prefer --cap-drop ALL plus the few it does",
  );
};

const noMemoryLimit: Rule = (c) =>
  (c.HostConfig.Memory ?? 0) > 0
    ? undefined
    : finding(
        "container.no_memory_limit",
        "medium",
        "No memory limit",
        "it can use all of the host's memory and push other containers into the OOM killer",
        "Set --memory (and --memory-swap) to what it needs",
      );

const noCpuLimit: Rule = (c) =>
  (c.HostConfig.NanoCpus ?? 0) > 0 ||
  (c.HostConfig.CpuQuota ?? 0) > 0 ||
  (c.HostConfig.CpusetCpus ?? "") !== ""
    ? undefined
    : finding(
        "container.no_cpu_limit",
        "low",
        "No CPU limit",
        "it can take every CPU of the host",
        "Set --cpus (or --cpuset-cpus)",
      );

const writableRoot: Rule = (c) =>
  c.HostConfig.ReadonlyRootfs
    ? undefined
    : finding(
        "container.writable_rootfs",
        "low",
        "Writable root filesystem",
        "an intruder can change its binaries and configuration",
        "Run with --read-only; give writable paths as volumes or --tmpfs",
      );

/** `:latest` or no tag: what runs changes whenever the tag moves. Ids and digests are pinned. */
const floatingImage: Rule = (c) => {
  const image = c.Config.Image;
  if (/^sha256:[0-9a-f]{64}$/.test(image) || /^[0-9a-f]{12,64}$/.test(image) || image.includes("@sha256:")) {
    return undefined;
  }
  const lastPart = image.split("/").pop() ?? image;
  const tag = lastPart.includes(":") ? lastPart.split(":").pop() : undefined;
  if (tag && tag !== "latest") return undefined;
  return finding(
    "container.floating_image",
    "low",
    tag ? "Runs a :latest image" : "Runs an untagged image",
    `image "${image}" can mean a different image tomorrow`,
    "Pin a version tag, or better a digest (image@sha256:…)",
  );
};

const noRestartPolicy: Rule = (c) => {
  const policy = c.HostConfig.RestartPolicy?.Name ?? "";
  return policy === "" || policy === "no"
    ? finding(
        "container.no_restart_policy",
        "low",
        "No restart policy",
        "it stays down after a crash or a host reboot",
        "Set --restart unless-stopped (or on-failure:N)",
      )
    : undefined;
};

const unconfined: Rule = (c) => {
  const off = (c.HostConfig.SecurityOpt ?? []).filter((o) => /^(seccomp|apparmor)[=:]unconfined$/.test(o));
  return off.length > 0
    ? finding(
        "container.unconfined",
        "medium",
        "Security profile disabled",
        `--security-opt ${off.join(", ")}`,
        "Remove the unconfined option; write a custom profile if the default blocks a call it needs",
      )
    : undefined;
};

const rules: Rule[] = [
  privileged,
  dockerSocket,
  hostNamespace("pid", "high", "PidMode"),
  hostNamespace("network", "medium", "NetworkMode"),
  hostNamespace("ipc", "medium", "IpcMode"),
  addedCaps,
  unconfined,
  runsAsRoot,
  noMemoryLimit,
  noCpuLimit,
  writableRoot,
  floatingImage,
  noRestartPolicy,
];

const order: Record<Severity, number> = { high: 0, medium: 1, low: 2 };

/** Findings for one container, most severe first. */
export function containerFindings(container: ContainerFacts, daemon: DaemonFacts): Finding[] {
  return rules
    .map((rule) => rule(container, daemon))
    .filter((f): f is Finding => f !== undefined)
    .sort((a, b) => order[a.severity] - order[b.severity]);
}

/** How the daemon listens: from how we reach it, and from its command line / daemon.json when readable. */
export interface ListenFacts {
  /** How this runtime reaches the Engine. */
  endpoint: { kind: "socket" } | { kind: "tcp"; host: string; port: number; tls: boolean };
  /** `-H` / `hosts` values of the daemon, when known (e.g. `tcp://0.0.0.0:2375`). */
  daemonHosts: string[];
  /** Whether the daemon was started with --tlsverify (or `tlsverify` in daemon.json). */
  daemonTlsVerify: boolean;
}

/** Host findings: a daemon reachable over TCP without TLS client verification is root for anyone who can connect. */
export function hostFindings(facts: ListenFacts): Finding[] {
  const plain: string[] = [];
  if (facts.endpoint.kind === "tcp" && !facts.endpoint.tls)
    plain.push(`tcp://${facts.endpoint.host}:${facts.endpoint.port}`);
  if (!facts.daemonTlsVerify) {
    for (const host of facts.daemonHosts)
      if (/^tcp:\/\//.test(host) && !plain.includes(host)) plain.push(host);
  }
  if (plain.length === 0) return [];
  return [
    finding(
      "host.tcp_without_tls",
      "high",
      "Docker daemon on TCP without TLS",
      `the Engine API answers on ${plain.join(", ")} without TLS client verification: anyone who can connect is root on this host`,
      "Listen on the unix socket only, or use --tlsverify with client certificates (port 2376)",
    ),
  ];
}

/** Reads `-H`/`--host` values and --tlsverify from dockerd's argv, merged with daemon.json. */
export function dockerdListenFacts(
  argv: string[],
  daemonJson: { hosts?: unknown; tlsverify?: unknown } = {},
): { hosts: string[]; tlsVerify: boolean } {
  const hosts: string[] = [];
  let tlsVerify = daemonJson.tlsverify === true;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "-H" || arg === "--host") hosts.push(argv[++i] ?? "");
    else if (arg.startsWith("--host=")) hosts.push(arg.slice(7));
    else if (arg.startsWith("-H") && arg.length > 2) hosts.push(arg.slice(2).replace(/^=/, ""));
    else if (arg === "--tlsverify" || arg === "--tlsverify=true") tlsVerify = true;
    else if (arg === "--tlsverify=false") tlsVerify = false;
  }
  if (Array.isArray(daemonJson.hosts))
    hosts.push(...daemonJson.hosts.filter((h): h is string => typeof h === "string"));
  return { hosts: hosts.filter(Boolean), tlsVerify };
}
