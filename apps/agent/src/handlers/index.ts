/** Every protocol command and the handler that runs it; the type makes a missing one a compile error. */
import { connect, type DockerClient, type Endpoint } from "@dockfleet/runtime";
import { containerFileHandlers } from "./container-files.ts";
import { containerHandlers } from "./containers.ts";
import { hostHandlers } from "./host.ts";
import { imageBuildHandlers } from "./image-build.ts";
import { imageTransferHandlers } from "./image-transfers.ts";
import { imageHandlers } from "./images.ts";
import { networkHandlers } from "./networks.ts";
import { postureHandlers } from "./posture.ts";
import { streamHandlers } from "./streams.ts";
import { terminalHandlers } from "./terminal.ts";
import { topologyHandlers } from "./topology.ts";
import { transferHandlers } from "./transfers.ts";
import type { HandlerContext, Handlers } from "./types.ts";
import { volumeArchiveHandlers } from "./volume-archives.ts";
import { volumeHandlers } from "./volumes.ts";

export type { HandlerContext, Handlers, StreamRun } from "./types.ts";

export const handlers: Handlers = {
  ...hostHandlers,
  ...containerHandlers,
  ...containerFileHandlers,
  ...imageHandlers,
  ...volumeHandlers,
  ...networkHandlers,
  ...topologyHandlers,
  ...postureHandlers,
  ...streamHandlers,
  ...terminalHandlers,
  ...imageTransferHandlers,
  ...imageBuildHandlers,
  ...volumeArchiveHandlers,
  ...transferHandlers,
};

/** Connects to the Engine on first use and keeps the client; a failed connect is retried next time. */
export function engineContext(endpoint: Endpoint, backupDir: string): HandlerContext {
  let client: Promise<DockerClient> | undefined;
  return {
    backupDir,
    docker() {
      if (!client) {
        const connecting = connect({ endpoint });
        client = connecting;
        connecting.catch(() => {
          if (client === connecting) client = undefined;
        });
      }
      return client;
    },
  };
}
