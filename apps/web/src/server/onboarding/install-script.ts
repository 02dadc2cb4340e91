/**
 * The install script a person runs on a host by hand (`curl … | sh`): the same install as over SSH
 * (layout.ts's paths, files, modes and root commands), driven by the host's own shell. It checks
 * the host, downloads the Node runtime and the agent from the console, verifies both against the
 * sha256 written into the script, installs, starts and waits until the agent has enrolled. With
 * `--uninstall` it takes that install away again (layout.ts's `remove`), keeping the volume backups.
 *
 * What the sha256 check protects: a download cut short, or a file swapped on the way or in a cache,
 * is refused before anything is installed. The script itself is trusted as fetched; serve the
 * console over HTTPS so nobody on the way can rewrite it.
 */
import {
  agentEnvFile,
  agentFileModes,
  agentInstalledCommand,
  agentLayout,
  type InitSystem,
  serviceCommands,
  shellQuote,
  supervisorScript,
  systemdProbe,
  systemdUnit,
} from "./layout.ts";

/** Where the console serves the script and the two files it downloads. */
export const agentDownloadPaths = {
  script: "/api/agent/install.sh",
  node: "/api/agent/download/node",
  bundle: "/api/agent/download/agent.cjs",
} as const;

/** The script's URL on a console (as hosts reach it). */
export function installScriptUrl(consoleUrl: string): string {
  return `${consoleUrl.replace(/\/+$/, "")}${agentDownloadPaths.script}`;
}

/** The one line that uninstalls a hand-installed agent: the install script, run with --uninstall. */
export function uninstallCommand(consoleUrl: string): string {
  return `curl -fsSL ${shellQuote(installScriptUrl(consoleUrl))} | sh -s -- --uninstall`;
}

export interface InstallScriptInput {
  /** The console as hosts reach it; DOCKFLEET_CONSOLE_URL on the host overrides it. */
  consoleUrl: string;
  /** `uname -m` of the hosts the shipped Node runtime runs on. */
  arch: string;
  nodeSha256: string;
  bundleSha256: string;
  /** How long to wait for the agent to enroll before undoing the install. */
  enrollTimeoutSeconds: number;
}

const fileEnd = "DOCKFLEET_FILE_END";

/** `cat` of a fixed text into a file, through a quoted here-document: nothing in it is expanded. */
function writeFileCommand(target: string, text: string): string {
  if (text.split("\n").includes(fileEnd)) throw new Error(`a shipped file contains the line ${fileEnd}`);
  return `cat >${target} <<'${fileEnd}'\n${text}${fileEnd}`;
}

/** A shell function running layout.ts's root commands for the init system found at run time. */
function serviceFunction(): string {
  const cases = (["systemd", "fallback"] as InitSystem[]).flatMap((init) =>
    Object.entries(serviceCommands(init)).map(
      ([name, command]) => `    ${init}:${name}) as_root ${shellQuote(command)} ;;`,
    ),
  );
  return `agent_service() {\n  case "$init:$1" in\n${cases.join("\n")}\n  esac\n}`;
}

// The env file's text with `%s` for its two values is the printf format writing it: one definition.
const envFormat = agentEnvFile({ consoleUrl: "%s", enrollToken: "%s" });

const placeFile = (mode: number, from: string, to: string) =>
  `$sudo install -m ${mode.toString(8)} -o root -g root "${from}" ${to}`;

/** The script for a console that has both files to serve. */
export function installScript(input: InstallScriptInput): string {
  const { node, bundle, dir, env, credential } = agentLayout;
  const seconds = input.enrollTimeoutSeconds;
  return `#!/bin/sh
# Installs the Dockfleet agent on this host and enrolls it with the console. Run it as the console's
# "Add host" shows, as root or as a user who may use sudo:
#   curl -fsSL ${input.consoleUrl}${agentDownloadPaths.script} | DOCKFLEET_ENROLL_TOKEN='dfe_…' sh
# DOCKFLEET_CONSOLE_URL, when set, is the console's address as this host reaches it. Running it
# again with a new token replaces the agent and enrolls the host again. As root,
#   curl -fsSL ${input.consoleUrl}${agentDownloadPaths.script} | sh -s -- --uninstall
# stops the agent and removes it; the volume backups it made stay in ${agentLayout.backups}.
set -eu

default_url=${shellQuote(input.consoleUrl)}
node_sha256=${input.nodeSha256}
bundle_sha256=${input.bundleSha256}
sudo=
init=
tmp=
installing=

say() { echo "dockfleet: $*"; }
fail() {
  echo "dockfleet: error: $*" >&2
  exit 1
}
as_root() { $sudo sh -c "$1"; }

${serviceFunction()}

# On any exit: the downloads go, and an install that did not finish is taken away again.
cleanup() {
  status=$?
  if [ -n "$installing" ]; then
    echo "dockfleet: removing the unfinished install" >&2
    agent_service remove || true
  fi
  if [ -n "$tmp" ]; then rm -rf "$tmp"; fi
  exit "$status"
}

fetch() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL -o "$2" "$console_url$1"
  else
    wget -q -O "$2" "$console_url$1"
  fi || fail "could not download $console_url$1"
}

verify() {
  actual=$(sha256sum "$1" | cut -d ' ' -f 1)
  [ "$actual" = "$2" ] ||
    fail "$3 does not match its sha256 (expected $2, got $actual): the download was altered or cut short. Nothing was installed."
}

check_host() {
  case $token in
  '') fail "no enrollment token: run the command \\"Add host\\" shows in the console (… | DOCKFLEET_ENROLL_TOKEN='dfe_…' sh)" ;;
  *[!A-Za-z0-9_-]*) fail "DOCKFLEET_ENROLL_TOKEN is not an enrollment token: copy it again from the console" ;;
  esac
  case $console_url in
  http://* | https://*) ;;
  *) fail "the console URL must start with http:// or https:// (got $console_url)" ;;
  esac
  [ "$(printf '%s' "$console_url" | wc -l)" -eq 0 ] || fail "the console URL must be a single line"
  if [ "$(id -u)" = 0 ]; then
    sudo=
  elif command -v sudo >/dev/null 2>&1; then
    sudo=sudo
    say "not root: using sudo to install"
  else
    fail "run this as root, or as a user who may use sudo"
  fi
  arch=$(uname -m)
  [ "$arch" = ${shellQuote(input.arch)} ] ||
    fail "this host is $arch, but this console ships the agent's Node runtime for ${input.arch} only: add $arch hosts from a console that runs on $arch"
  [ -S /var/run/docker.sock ] ||
    fail "no Docker socket at /var/run/docker.sock: install Docker Engine (e.g. apt-get install docker.io), start it, and run this again"
  command -v sha256sum >/dev/null 2>&1 || fail "sha256sum is missing: install coreutils and run this again"
  command -v curl >/dev/null 2>&1 || command -v wget >/dev/null 2>&1 ||
    fail "neither curl nor wget is installed: install one and run this again"
  if ${systemdProbe}; then
    init=systemd
    say "$arch, Docker socket found, systemd: the agent runs as the dockfleet-agent service"
  else
    init=fallback
    say "$arch, Docker socket found, no systemd: the agent runs under ${agentLayout.supervisor}"
  fi
}

download() {
  tmp=$(mktemp -d)
  if [ -f ${node} ] && [ "$(sha256sum ${node} | cut -d ' ' -f 1)" = "$node_sha256" ]; then
    say "the Node runtime in ${dir} is current"
  else
    say "downloading the Node runtime from $console_url"
    fetch ${agentDownloadPaths.node} "$tmp/node"
    verify "$tmp/node" "$node_sha256" "the Node runtime"
  fi
  say "downloading the agent from $console_url"
  fetch ${agentDownloadPaths.bundle} "$tmp/agent.cjs"
  verify "$tmp/agent.cjs" "$bundle_sha256" "the agent"
  say "sha256 verified"
  (umask 077 && printf ${shellQuote(envFormat)} "$console_url" "$token" >"$tmp/agent.env")
  if [ "$init" = systemd ]; then
${writeFileCommand('"$tmp/unit"', systemdUnit)}
  else
${writeFileCommand('"$tmp/supervise"', supervisorScript)}
  fi
}

install_agent() {
  say "installing into ${dir} (settings in ${env})"
  installing=1
  agent_service prepare
  if [ -f "$tmp/node" ]; then ${placeFile(agentFileModes.node, "$tmp/node", node)}; fi
  ${placeFile(agentFileModes.bundle, "$tmp/agent.cjs", bundle)}
  ${placeFile(agentFileModes.env, "$tmp/agent.env", env)}
  if [ "$init" = systemd ]; then
    ${placeFile(agentFileModes.unit, "$tmp/unit", agentLayout.unit)}
  else
    ${placeFile(agentFileModes.supervisor, "$tmp/supervise", agentLayout.supervisor)}
  fi
  say "starting the agent"
  agent_service start
}

await_enrollment() {
  say "waiting for the agent to enroll with $console_url (up to ${seconds} s)"
  waited=0
  until $sudo test -s ${credential}; do
    if agent_service stopped; then
      agent_service logTail >&2 || true
      fail "the agent stopped before it enrolled; its log above says why (a used or expired token: get a new command from the console)"
    fi
    if [ "$waited" -ge ${seconds} ]; then
      agent_service logTail >&2 || true
      fail "the agent did not enroll within ${seconds} s: check that this host reaches $console_url (firewall, DNS, TLS) and that the token is fresh; the agent's log is above"
    fi
    sleep 1
    waited=$((waited + 1))
  done
  installing=
  say "enrolled: the agent is connecting, and the host shows online in the console"
}

# Not named install: a function of that name would shadow install(1), which install_agent runs.
run_install() {
  token=\${DOCKFLEET_ENROLL_TOKEN:-}
  console_url=\${DOCKFLEET_CONSOLE_URL:-$default_url}
  console_url=\${console_url%/}
  check_host
  download
  install_agent
  await_enrollment
}

# Each path of the agent still holding anything; the backups an uninstall keeps do not count.
installed_paths() {
  ${agentInstalledCommand}
}

# Stops the agent this script (or the console over SSH) installed, by its unit or its supervisor's
# PID file, and removes its files; running it again finds nothing and says so.
run_uninstall() {
  [ "$(id -u)" = 0 ] || fail "uninstalling needs root: run it as root, or pipe it to sudo sh -s -- --uninstall"
  if ${systemdProbe}; then init=systemd; else init=fallback; fi
  found=$(installed_paths)
  if [ -z "$found" ]; then
    say "nothing to remove: the Dockfleet agent is not installed on this host"
  else
    say "stopping the agent and removing" $found
    agent_service remove
    left=$(installed_paths)
    [ -z "$left" ] || fail "could not remove" $left
    say "the Dockfleet agent is uninstalled"
  fi
  if [ -d ${agentLayout.backups} ]; then
    say "the volume backups it made are kept in ${agentLayout.backups}: delete them once you no longer need them"
  fi
}

# Everything runs from here, on the script's last line: a script cut short in transit runs nothing.
main() {
  trap cleanup EXIT
  trap 'exit 130' INT TERM HUP
  case \${1:-} in
  '') run_install ;;
  --uninstall) run_uninstall ;;
  *) fail "unknown option $1: run this with no option to install the agent, or with --uninstall to remove it" ;;
  esac
}

main "$@"
`;
}

/** The script for a console that has no agent bundle to serve: it says so and installs nothing. */
export const noBundleScript = `#!/bin/sh
echo "dockfleet: error: this console has no agent bundle to serve: run npm run build on the console, then run this again" >&2
exit 1
`;
