/**
 * volume.backup, volume.restore: archives in the agent's backup directory (see backups/directory.ts),
 * with the runtime doing the Docker side (helper container, stopping users, gzip and sha256).
 */
import { createReadStream } from "node:fs";
import { backupVolume, inspectVolume, restoreVolume } from "@dockfleet/runtime";
import { BackupDirectory, counted } from "../backups/directory.ts";
import type { Handlers } from "./types.ts";

export const volumeArchiveHandlers = {
  "volume.backup": async (ctx, input, signal, progress) => {
    const docker = await ctx.docker();
    const { volume, ...options } = input;
    // The size costs a `system df`; a volume the Engine cannot size still backs up, without a percentage.
    const sized = await inspectVolume(docker, volume, { withSize: true });
    const state = { phase: "preparing" as const, tarBytes: 0, volumeBytes: sized.sizeBytes, bytes: 0 };
    progress(state);
    const write = await new BackupDirectory(ctx.backupDir).create(volume);
    try {
      const result = await backupVolume(docker, volume, write.sink, {
        ...options,
        signal,
        onTarBytes: (tarBytes) =>
          progress({ ...state, phase: "archiving", tarBytes, bytes: write.sink.bytesWritten }),
      });
      const { format, sha256, bytes, tarSha256, tarBytes, stoppedContainers } = result;
      return await write.commit(
        { volume, format, sha256, bytes, tarSha256, tarBytes, stoppedContainers },
        (read) => progress({ ...state, phase: "verifying", tarBytes, bytes: read }),
      );
    } catch (error) {
      await write.discard();
      throw error;
    }
  },

  "volume.restore": async (ctx, input, signal, progress) => {
    const { volume, archive, sha256, ...options } = input;
    const file = await new BackupDirectory(ctx.backupDir).archive(archive);
    let passes = 0;
    // The runtime opens the archive twice: first to check its sha256, then to restore it.
    const open = () => {
      passes += 1;
      const phase = passes === 1 ? ("verifying" as const) : ("restoring" as const);
      progress({ phase, bytes: 0, totalBytes: file.bytes });
      return counted(createReadStream(file.path), (bytes) =>
        progress({ phase, bytes, totalBytes: file.bytes }),
      );
    };
    return restoreVolume(await ctx.docker(), volume, open, { sha256 }, { ...options, signal });
  },
} satisfies Partial<Handlers>;
