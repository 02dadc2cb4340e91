/** Commands on the networks of one host, and on the containers' places in them. */
import { EndpointSpec, Network, NetworkFilter, NetworkName, NetworkSpec } from "@dockfleet/runtime";
import { z } from "zod";
import { unary } from "../define.ts";
import { bounded, LabelsSchema } from "./bounds.ts";
import { ContainerRefSchema } from "./containers.ts";

/** A network by name or id (full or short): both follow Docker's name rule. */
const NetworkRef = z.object({ network: NetworkName.max(255) });
const ContainerOnNetwork = NetworkRef.extend({ container: ContainerRefSchema.shape.containerId });

export const networkCommands = {
  "network.list": unary({
    description: "Networks of the host with the containers on each",
    input: bounded(NetworkFilter),
    result: z.array(Network),
    defaultTimeoutMs: 60_000,
  }),
  "network.inspect": unary({
    description: "One network with the containers on it",
    input: NetworkRef,
    result: Network,
  }),
  "network.create": unary({
    description: "Create a network (an existing name is a `conflict`)",
    input: bounded(NetworkSpec.extend({ name: NetworkName.max(255) })),
    result: Network,
    defaultTimeoutMs: 60_000,
  }),
  "network.remove": unary({
    description: "Remove a network (`conflict` while containers are connected)",
    input: NetworkRef,
    result: z.null(),
    defaultTimeoutMs: 60_000,
  }),
  "network.connect": unary({
    description: "Connect a container (running or not) to a network, with aliases and a fixed address",
    input: bounded(EndpointSpec.extend(ContainerOnNetwork.shape)),
    result: z.null(),
    defaultTimeoutMs: 60_000,
  }),
  "network.disconnect": unary({
    description: "Disconnect a container from a network (`force` also for a stale endpoint)",
    input: ContainerOnNetwork.extend({ force: z.boolean().default(false) }),
    result: z.null(),
    defaultTimeoutMs: 60_000,
  }),
  "network.prune": unary({
    description: "Remove networks no container uses, by label (never bridge, host or none)",
    input: bounded(z.object({ labels: LabelsSchema.optional() })),
    result: z.object({ deleted: z.array(z.string()) }),
    defaultTimeoutMs: 300_000,
  }),
};
