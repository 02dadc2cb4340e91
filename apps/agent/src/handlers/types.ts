/** What a handler is: one protocol command mapped to runtime calls against the local Engine. */
import type {
  CommandProgress,
  CommandResult,
  ParsedCommandInput,
  StreamCommandName,
  StreamInput,
  StreamItem,
  UnaryCommandName,
} from "@dockfleet/protocol";
import type { DockerClient } from "@dockfleet/runtime";

export interface HandlerContext {
  /** The local Engine, connected (and its API version negotiated) on first use. */
  docker(): Promise<DockerClient>;
  /** Where volume backups are written and restored from (private to the agent). */
  backupDir: string;
}

/** Reports how far a job got; cheap to call often (only the latest report is sent). */
export type ReportProgress<N extends UnaryCommandName> = (progress: CommandProgress<N>) => void;

export type UnaryHandler<N extends UnaryCommandName> = (
  ctx: HandlerContext,
  input: ParsedCommandInput<N>,
  signal: AbortSignal,
  progress: ReportProgress<N>,
) => Promise<CommandResult<N>>;

/** A running stream: its items (ending quietly when the signal aborts) and its final answer. */
export interface StreamRun<N extends StreamCommandName> {
  items: AsyncIterable<StreamItem<N>>;
  /** Read once `items` ended by itself. */
  result(): CommandResult<N>;
}

export type StreamHandler<N extends StreamCommandName> = (
  ctx: HandlerContext,
  input: ParsedCommandInput<N>,
  signal: AbortSignal,
  /** What the console sends into the running stream (checked); ends with the stream. */
  inbox: AsyncIterable<StreamInput<N>>,
) => Promise<StreamRun<N>>;

export type Handlers = { [N in UnaryCommandName]: UnaryHandler<N> } & {
  [N in StreamCommandName]: StreamHandler<N>;
};
