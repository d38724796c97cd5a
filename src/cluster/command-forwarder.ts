/**
 * The requester's side: a command taken by this node is sent to whichever node leads, and sent again
 * until this node's replica has applied it (the leader died, the request was lost, an append was in
 * doubt). Sending twice is safe because a command id applies once. Commands of one event-loop turn
 * travel in one request.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { CommandApplier } from './command-applier.js';
import { crashPoint, crashPointsArmed } from './crash-points.js';
import type { ClusterCommand, CommandEnvelope } from './log-entry.js';
import type { NatsCluster } from './nats-cluster.js';

export interface ForwarderOptions {
  nodeId: string;
  /** Resend a command not applied here this long after the leader took it. */
  resendAfterMs: number;
  /** Give up (the caller gets NOT_READY) after this long without a leader applying it. */
  giveUpAfterMs: number;
  maxRequestBytes: number;
  /** What an abandoned command resolves with. */
  abandoned: () => unknown;
  /** This node's clock: when a command was received. */
  now: () => number;
  /** Hands commands to the leader in this process, if this node leads (true), skipping the network. */
  deliverLocally: (envelopes: CommandEnvelope[]) => boolean;
}

interface Unapplied { envelope: CommandEnvelope; resendAtMs: number; giveUpAtMs: number }

const RETRY_NO_LEADER_MS = 100;
const REQUEST_TIMEOUT_MS = 2_000;
const SWEEP_MS = 50;

export class CommandForwarder {
  private readonly boot = randomBytes(6).toString('base64url');
  private counter = 0;
  private readonly unapplied = new Map<string, Unapplied>();
  private outbox: CommandEnvelope[] = [];
  private sendScheduled = false;
  private sweepTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly cluster: NatsCluster,
    private readonly applier: CommandApplier,
    private readonly options: ForwarderOptions,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_MS);
  }

  stop(): void {
    this.stopped = true;
    if (this.sweepTimer !== null) clearInterval(this.sweepTimer);
    this.unapplied.clear();
    this.applier.abandonAll(this.options.abandoned());
  }

  /** Resolves with the outcome this node's replica computed for the command, after its commit. */
  submit(command: ClusterCommand): Promise<unknown> {
    if (this.stopped) return Promise.resolve(this.options.abandoned());
    const id = `${this.options.nodeId}.${this.boot}.${++this.counter}`;
    const envelope: CommandEnvelope = { id, command, receivedAtMs: this.options.now() };
    const outcome = this.applier.waitFor(id);
    const now = performance.now();
    this.unapplied.set(id, { envelope, resendAtMs: Infinity, giveUpAtMs: now + this.options.giveUpAfterMs });
    this.enqueue(envelope);
    return outcome.finally(() => this.unapplied.delete(id));
  }

  get inFlight(): number {
    return this.unapplied.size;
  }

  private enqueue(envelope: CommandEnvelope): void {
    this.outbox.push(envelope);
    if (this.sendScheduled) return;
    this.sendScheduled = true;
    setImmediate(() => {
      this.sendScheduled = false;
      const batch = this.outbox;
      this.outbox = [];
      for (const chunk of chunks(batch, this.options.maxRequestBytes)) void this.send(chunk);
    });
  }

  private async send(envelopes: CommandEnvelope[]): Promise<void> {
    let retryInMs = this.options.resendAfterMs;
    try {
      if (!this.options.deliverLocally(envelopes)) {
        const reply = this.cluster.nc.request(this.cluster.names.commandSubject, JSON.stringify(envelopes), { timeout: REQUEST_TIMEOUT_MS });
        if (crashPointsArmed) {
          // Handled below; a rejection while the flush is awaited must not count as unhandled.
          reply.catch(() => undefined);
          await this.cluster.nc.flush();
          crashPoint('after-forward', envelopes);
        }
        await reply;
      }
    } catch {
      // No leader yet (no responders), or it did not answer: try again soon.
      retryInMs = RETRY_NO_LEADER_MS;
    }
    const resendAtMs = performance.now() + retryInMs;
    for (const envelope of envelopes) {
      const entry = this.unapplied.get(envelope.id);
      if (entry !== undefined) entry.resendAtMs = resendAtMs;
    }
  }

  private sweep(): void {
    const now = performance.now();
    for (const [id, entry] of this.unapplied) {
      if (this.applier.hasApplied(id)) continue;
      if (now >= entry.giveUpAtMs) {
        this.unapplied.delete(id);
        this.logger.warn({ kind: entry.envelope.command.kind }, 'no leader applied the command in time: answering NOT_READY');
        this.applier.abandon(id, this.options.abandoned());
      } else if (now >= entry.resendAtMs) {
        entry.resendAtMs = Infinity;
        this.enqueue(entry.envelope);
      }
    }
  }
}

function* chunks(envelopes: CommandEnvelope[], maxBytes: number): Generator<CommandEnvelope[]> {
  let chunk: CommandEnvelope[] = [];
  let bytes = 2;
  for (const envelope of envelopes) {
    const size = JSON.stringify(envelope).length + 1;
    if (chunk.length > 0 && bytes + size > maxBytes) {
      yield chunk;
      chunk = [];
      bytes = 2;
    }
    chunk.push(envelope);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}
