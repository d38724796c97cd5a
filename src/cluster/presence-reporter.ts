/**
 * Presence in a cluster: a fan polls whichever node the load balancer picks and keeps a queue socket
 * open on one of them, yet the idle-drop rule must see the same presence on every replica. Each node
 * gathers the tokens polled or watched through it and reports them through the log every
 * `reportEveryMs`, far inside the idle limit; the replicas count a reported token as seen at that entry.
 */
import type { ClusterCommand } from './log-entry.js';

const TOKENS_PER_COMMAND = 2_000;

export class PresenceReporter {
  private polled = new Set<string>();
  private readonly sockets = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly reportEveryMs: number,
    private readonly send: (command: ClusterCommand) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.report(), this.reportEveryMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
  }

  polledToken(token: string): void {
    this.polled.add(token);
  }

  /** An open socket on this node; the returned function closes it. */
  openSocket(token: string): () => void {
    this.sockets.set(token, (this.sockets.get(token) ?? 0) + 1);
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      const count = (this.sockets.get(token) ?? 1) - 1;
      if (count <= 0) this.sockets.delete(token);
      else this.sockets.set(token, count);
      // Seen when the socket closed: the fan idles from there, as on a single node.
      this.polled.add(token);
    };
  }

  report(): void {
    const tokens = new Set(this.polled);
    for (const token of this.sockets.keys()) tokens.add(token);
    this.polled = new Set();
    const all = [...tokens];
    for (let i = 0; i < all.length; i += TOKENS_PER_COMMAND) {
      this.send({ kind: 'touchQueueTokens', args: { tokens: all.slice(i, i + TOKENS_PER_COMMAND) } });
    }
  }
}
