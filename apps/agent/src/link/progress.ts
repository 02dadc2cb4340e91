/**
 * Progress of running jobs, latest report wins: per job at most one report is on its way and the
 * newest waits behind it, at most one every `minGapMs`. A pull that reports thousands of layer
 * steps costs the link a few messages a second, and a slow link gets fewer reports, never stale ones.
 */
import type { ProgressMessage } from "@dockfleet/protocol";

interface JobProgress {
  latest: unknown;
  /** `latest` has not been sent yet. */
  fresh: boolean;
  sending: boolean;
  lastSentAt: number;
  timer: NodeJS.Timeout | undefined;
}

/** Sends one report; undefined when there is no connection to send it on. */
export type SendProgress = (message: ProgressMessage) => Promise<void> | undefined;

export class ProgressReporter {
  private readonly jobs = new Map<string, JobProgress>();

  constructor(
    private readonly send: SendProgress,
    private readonly minGapMs = 250,
  ) {}

  report(id: string, progress: unknown): void {
    let job = this.jobs.get(id);
    if (!job) {
      job = { latest: progress, fresh: true, sending: false, lastSentAt: 0, timer: undefined };
      this.jobs.set(id, job);
    }
    job.latest = progress;
    job.fresh = true;
    this.pump(id, job);
  }

  /** The job ended: a report not sent yet is dropped (the result says more). */
  end(id: string): void {
    clearTimeout(this.jobs.get(id)?.timer);
    this.jobs.delete(id);
  }

  /** A new connection: every running job's latest report goes out again (the console may have missed it). */
  resend(): void {
    for (const [id, job] of this.jobs) {
      job.fresh = true;
      this.pump(id, job);
    }
  }

  private pump(id: string, job: JobProgress): void {
    if (job.sending || job.timer || !job.fresh) return;
    const wait = job.lastSentAt + this.minGapMs - Date.now();
    if (wait > 0) {
      job.timer = setTimeout(() => {
        job.timer = undefined;
        this.pump(id, job);
      }, wait);
      job.timer.unref();
      return;
    }
    const sending = this.send({ id, progress: job.latest });
    if (!sending) return;
    job.fresh = false;
    job.sending = true;
    job.lastSentAt = Date.now();
    // A report lost with its connection is not retried: the next one, or `resend`, says more.
    sending
      .catch(() => undefined)
      .finally(() => {
        job.sending = false;
        if (this.jobs.get(id) === job) this.pump(id, job);
      });
  }
}
