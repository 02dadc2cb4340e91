import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DockerClient } from "./client.ts";
import { copyFromContainer } from "./containers/files.ts";
import { isRuntimeError, type RuntimeError } from "./errors.ts";
import { pullImage } from "./image-transfer.ts";
import { testRegistry } from "./registry-testing.ts";
import { removeCreated, runTestContainer } from "./test-containers.ts";
import { testClient, testName } from "./testing.ts";

// A failed streaming request's body is the Engine's explanation: these calls must carry it, not
// just the status code's generic reason ("no such container or path").
let client: DockerClient;

beforeAll(async () => {
  client = await testClient();
});

afterAll(async () => {
  await removeCreated(client);
});

async function failure(call: () => Promise<unknown>): Promise<RuntimeError> {
  const error = await call().then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isRuntimeError(error)) throw new Error(`expected a RuntimeError, got ${String(error)}`);
  return error;
}

describe("the Engine's own message on streaming calls", () => {
  it("says which container or path is missing when copying out of a container", async () => {
    const missing = testName("gone");
    const noContainer = await failure(() => copyFromContainer(client, missing, "/etc"));
    expect(noContainer.code).toBe("not_found");
    expect(noContainer.message).toBe(
      `copy "/etc" from container "${missing}": No such container: ${missing}`,
    );

    const container = await runTestContainer(client, "sleep 3600");
    const noPath = await failure(() => copyFromContainer(client, container.id, "/dftest-nope"));
    expect(noPath.code).toBe("not_found");
    expect(noPath.message).toMatch(/: Could not find the file \/dftest-nope in container /);
  });

  it("says which manifest the registry does not have when pulling", async () => {
    const ref = `${testRegistry()}/${testName("none")}:v1`;
    const error = await failure(async () => {
      for await (const _ of pullImage(client, ref)) {
        // no progress is expected: the Engine refuses before streaming
      }
    });
    expect(error.code).toBe("not_found");
    expect(error.message).toMatch(new RegExp(`^pull image "${ref}": manifest for ${ref} not found`));
  });
});
