/** Fixtures for the link's integration tests: what a scripted agent reports, and how a call failed. */
import { type HelloInput, LinkError } from "@dockfleet/protocol";
import type { HandlerContext } from "../../../../agent/src/handlers/index.ts";

/** The handler context of a scripted agent: no Docker behind it. */
export const noDocker: HandlerContext = {
  docker: () => Promise.reject(new Error("no Docker in this test")),
  backupDir: "/nonexistent/dockfleet-test-backups",
};

/** Host facts of an imaginary Debian host, as a scripted agent says hello with them. */
export function scriptedFacts(overrides: {
  hostname: string;
  securityOptions?: string[];
}): NonNullable<HelloInput["facts"]> {
  return {
    engine: {
      version: "20.10.24",
      apiVersion: "1.41",
      minApiVersion: "1.12",
      negotiatedApiVersion: "1.41",
      gitCommit: "abc",
      goVersion: "go1.19",
    },
    os: {
      name: "Debian GNU/Linux 12 (bookworm)",
      type: "linux",
      kernelVersion: "6.1.0",
      architecture: "x86_64",
    },
    cpus: 4,
    memoryBytes: 8 * 1024 ** 3,
    storageDriver: "overlay2",
    dockerRootDir: "/var/lib/docker",
    loggingDriver: "json-file",
    cgroupVersion: "1",
    cgroupDriver: "cgroupfs",
    securityOptions: [],
    containers: { total: 0, running: 0, paused: 0, stopped: 0 },
    images: 1,
    systemTime: new Date().toISOString(),
    ...overrides,
  };
}

/** The LinkError `promise` fails with; anything else (or success) fails the test. */
export async function caught(promise: Promise<unknown>): Promise<LinkError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof LinkError) return error;
    throw error;
  }
  throw new Error("expected a LinkError");
}
