/**
 * Containers of one host: list, inspect, create-and-start from a spec (all or nothing), lifecycle,
 * resource updates, processes. File copy and export live in containers/files.ts.
 */
import { z } from "zod";
import type { DockerClient } from "./client.ts";
import {
  type ContainerDetails,
  type ContainerSummary,
  detailsFromInspect,
  summaryFromList,
} from "./containers/model.ts";
import {
  type ContainerSpec,
  ContainerSpecSchema,
  createOptions,
  engineResources,
  extraNetworks,
  ResourcesSchema,
  RestartPolicySchema,
} from "./containers/spec.ts";
import { throwIfAborted } from "./engine-stream.ts";
import { engineCall, isRuntimeError } from "./errors.ts";
import { parseInput } from "./parse-input.ts";

export * from "./containers/files.ts";
export * from "./containers/model.ts";
export * from "./containers/spec.ts";

const nameRule = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export const ListContainersOptionsSchema = z.object({
  /** Include stopped containers. */
  all: z.boolean().default(false),
  /** Ask the Engine for SizeRw/SizeRootFs (slower: it walks each container's layer). */
  size: z.boolean().default(false),
  /** Only containers with these labels; an empty value matches any value of the key. */
  labels: z.record(z.string().min(1), z.string()).default({}),
  /** Any other Engine filter, e.g. { status: ["running"], name: ["web"] }. */
  filters: z.record(z.string(), z.array(z.string())).default({}),
  limit: z.number().int().positive().optional(),
});
export type ListContainersOptions = z.input<typeof ListContainersOptionsSchema>;

export const UpdateContainerSchema = ResourcesSchema.extend({
  restartPolicy: RestartPolicySchema.optional(),
});
export type UpdateContainer = z.input<typeof UpdateContainerSchema>;

export const ProcessListSchema = z.object({
  titles: z.array(z.string()),
  processes: z.array(z.array(z.string())),
});
export type ProcessList = z.infer<typeof ProcessListSchema>;

const quoted = (ref: string) => `"${ref}"`;

/** An undefined `t` would be sent as `t=`, which the Engine rejects; leave it out instead. */
const timeoutQuery = (options: { timeoutSeconds?: number }) =>
  options.timeoutSeconds === undefined ? {} : { t: options.timeoutSeconds };

/** Lifecycle calls answer 304 when the container is already in the asked state: that is success. */
async function idempotent(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (!isRuntimeError(error, "not_modified")) throw error;
  }
}

export async function listContainers(
  client: DockerClient,
  options: ListContainersOptions = {},
): Promise<ContainerSummary[]> {
  const parsed = parseInput(ListContainersOptionsSchema, options, "list containers");
  const labelFilters = Object.entries(parsed.labels).map(([k, v]) => (v === "" ? k : `${k}=${v}`));
  const filters = { ...parsed.filters, ...(labelFilters.length ? { label: labelFilters } : {}) };
  const listed = await engineCall("list containers", () =>
    client.docker.listContainers({ all: parsed.all, size: parsed.size, limit: parsed.limit, filters }),
  );
  return listed.map(summaryFromList);
}

export async function inspectContainer(
  client: DockerClient,
  ref: string,
  options: { size?: boolean } = {},
): Promise<ContainerDetails> {
  const info = await engineCall(`inspect container ${quoted(ref)}`, () =>
    client.docker.getContainer(ref).inspect({ size: options.size ?? false } as object),
  );
  return detailsFromInspect(info);
}

/**
 * Creates a container from a spec and starts it. The spec is checked before any Engine call
 * (`invalid_spec` names the bad field); if joining a network or starting fails, the container is
 * removed again with its anonymous volumes, so a failure leaves nothing behind.
 */
export async function createContainer(client: DockerClient, spec: ContainerSpec): Promise<ContainerDetails> {
  const parsed = parseInput(ContainerSpecSchema, spec, "create container");
  const label = parsed.name ? quoted(parsed.name) : `from image ${quoted(parsed.image)}`;
  const container = await engineCall(`create container ${label}`, () =>
    client.docker.createContainer(createOptions(parsed)),
  );
  try {
    for (const network of extraNetworks(parsed)) {
      await engineCall(`connect container ${label} to network ${quoted(network.name)}`, () =>
        client.docker
          .getNetwork(network.name)
          .connect({ Container: container.id, EndpointConfig: network.endpoint }),
      );
    }
    await engineCall(`start container ${label}`, () => container.start());
    return detailsFromInspect(await engineCall(`inspect container ${label}`, () => container.inspect()));
  } catch (error) {
    await container.remove({ force: true, v: true }).catch(() => undefined);
    throw error;
  }
}

export function startContainer(client: DockerClient, ref: string): Promise<void> {
  return idempotent(() =>
    engineCall(`start container ${quoted(ref)}`, () => client.docker.getContainer(ref).start()),
  );
}

/** Stops with SIGTERM (or the image's stop signal), then SIGKILL after `timeoutSeconds`. */
export function stopContainer(client: DockerClient, ref: string, options: { timeoutSeconds?: number } = {}) {
  return idempotent(() =>
    engineCall(`stop container ${quoted(ref)}`, () =>
      client.docker.getContainer(ref).stop(timeoutQuery(options)),
    ),
  );
}

export async function restartContainer(
  client: DockerClient,
  ref: string,
  options: { timeoutSeconds?: number } = {},
): Promise<void> {
  await engineCall(`restart container ${quoted(ref)}`, () =>
    client.docker.getContainer(ref).restart(timeoutQuery(options)),
  );
}

/** Sends a signal (default SIGKILL); a container that is not running is a `conflict`. */
export async function killContainer(
  client: DockerClient,
  ref: string,
  options: { signal?: string } = {},
): Promise<void> {
  await engineCall(`kill container ${quoted(ref)}`, () =>
    client.docker.getContainer(ref).kill({ signal: options.signal ?? "SIGKILL" }),
  );
}

export async function pauseContainer(client: DockerClient, ref: string): Promise<void> {
  await engineCall(`pause container ${quoted(ref)}`, () => client.docker.getContainer(ref).pause());
}

export async function unpauseContainer(client: DockerClient, ref: string): Promise<void> {
  await engineCall(`unpause container ${quoted(ref)}`, () => client.docker.getContainer(ref).unpause());
}

export async function renameContainer(client: DockerClient, ref: string, name: string): Promise<void> {
  parseInput(
    z.object({ name: z.string().regex(nameRule, "must match Docker's name rule") }),
    { name },
    "rename container",
  );
  await engineCall(`rename container ${quoted(ref)} to ${quoted(name)}`, () =>
    client.docker.getContainer(ref).rename({ name }),
  );
}

/** Removes a container; `force` kills it first, `volumes` also removes its anonymous volumes. */
export async function removeContainer(
  client: DockerClient,
  ref: string,
  options: { force?: boolean; volumes?: boolean } = {},
): Promise<void> {
  await engineCall(`remove container ${quoted(ref)}`, () =>
    client.docker.getContainer(ref).remove({ force: options.force ?? false, v: options.volumes ?? false }),
  );
}

/** Changes CPU/memory/PIDs limits and the restart policy of a running or stopped container. */
export async function updateContainer(
  client: DockerClient,
  ref: string,
  update: UpdateContainer,
): Promise<{ warnings: string[] }> {
  const parsed = parseInput(UpdateContainerSchema, update, `update container ${quoted(ref)}`);
  const { restartPolicy, ...resources } = parsed;
  const body = {
    ...engineResources(resources),
    ...(restartPolicy
      ? { RestartPolicy: { Name: restartPolicy.name, MaximumRetryCount: restartPolicy.maximumRetryCount } }
      : {}),
  };
  const result = (await engineCall(`update container ${quoted(ref)}`, () =>
    client.docker.getContainer(ref).update(body),
  )) as { Warnings?: string[] | null } | undefined;
  return { warnings: result?.Warnings ?? [] };
}

/** The container's processes as `ps` shows them (`psArgs` defaults to the Engine's "-ef"). */
export async function topContainer(client: DockerClient, ref: string, psArgs?: string): Promise<ProcessList> {
  const top = (await engineCall(`list processes of container ${quoted(ref)}`, () =>
    client.docker.getContainer(ref).top(psArgs ? { ps_args: psArgs } : {}),
  )) as { Titles: string[]; Processes: string[][] | null };
  return { titles: top.Titles, processes: top.Processes ?? [] };
}

/**
 * Blocks until the container stops and returns its exit code. Aborting `signal` closes the Engine
 * request and rejects with `aborted`: a caller that gave up must not hold a connection until the
 * container happens to stop.
 */
export async function waitContainer(
  client: DockerClient,
  ref: string,
  options: { signal?: AbortSignal } = {},
): Promise<number> {
  const what = `wait for container ${quoted(ref)}`;
  throwIfAborted(options.signal, what);
  const result = (await engineCall(what, () =>
    client.docker.getContainer(ref).wait({ abortSignal: options.signal }),
  )) as { StatusCode: number };
  return result.StatusCode;
}
