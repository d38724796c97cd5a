/**
 * Where the command log ends, asked of JetStream (the stream's leader answers with its last sequence),
 * for reads that must see every change acknowledged anywhere before they arrived: a fan whose hold node
 * 3 acknowledged reads it on node 1 next. Only a question sent after the read arrived can vouch for it,
 * so a read joins the next question, never one already in flight; all the reads waiting when a question
 * leaves share it, so a node asks at most once per round trip however many fans poll it.
 */
import type { NatsCluster } from './nats-cluster.js';

export class ReadIndex {
  /** The question in flight. */
  private current: Promise<number> | null = null;
  /** The question to send when it returns, shared by every read that arrived meanwhile. */
  private queued: Promise<number> | null = null;

  constructor(private readonly cluster: NatsCluster) {}

  /** The log's last sequence, as of a moment after this call. */
  tail(): Promise<number> {
    if (this.current === null) return this.send();
    // The one in flight may have been answered before this read's write was appended: wait for the next.
    const settled = this.current.then(() => undefined, () => undefined);
    this.queued ??= settled.then(() => {
      this.queued = null;
      return this.send();
    });
    return this.queued;
  }

  private send(): Promise<number> {
    const question = this.cluster.jsm.streams.info(this.cluster.names.stream).then((info) => info.state.last_seq);
    this.current = question;
    const clear = (): void => {
      if (this.current === question) this.current = null;
    };
    question.then(clear, clear);
    return question;
  }
}
