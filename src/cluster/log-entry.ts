/**
 * What the replicated command log holds. An entry is a batch of commands the leader appended in one
 * JetStream message, with the instant they happen at and the seed their random draws come from: the
 * whole input of a deterministic step, so every replica applying the log in order reaches the same state.
 */
import type { BookingEngine, QueueTarget } from '../domain/engine.js';

type FirstArg<K extends keyof BookingEngine> = BookingEngine[K] extends (arg: infer A, ...rest: never[]) => unknown ? A : never;

/** One engine command, named by the BookingEngine method that runs it, with that method's arguments. */
export type ClusterCommand =
  | { kind: 'hold'; args: FirstArg<'hold'> }
  | { kind: 'cancelReservation'; args: { userId: string; reservationId: string } }
  | { kind: 'charge'; args: FirstArg<'charge'> }
  | { kind: 'pay'; args: FirstArg<'pay'> }
  | { kind: 'refund'; args: FirstArg<'refund'> }
  /** An organiser's cancellation: every booking of the schedule refunded in the one entry that applies it. */
  | { kind: 'cancelSchedule'; args: FirstArg<'cancelSchedule'> }
  | { kind: 'issueQueueToken'; args: { userId: string; target?: QueueTarget } }
  /** A sale's room: its seed is drawn from the entry's seed, so every replica commits to the same one. */
  | { kind: 'createRoom'; args: FirstArg<'createRoom'> }
  | { kind: 'updateRoom'; args: FirstArg<'updateRoom'> }
  | { kind: 'leaveQueue'; args: { userId: string; queueToken: string } }
  | { kind: 'createConcert'; args: FirstArg<'createConcert'> }
  /** A ticket scanned at the door; its code's signature was verified by the node that took it. */
  | { kind: 'checkIn'; args: FirstArg<'checkIn'> }
  /** The waitlist: its offers are decided where seats are freed, inside the commands and timers that free them. */
  | { kind: 'joinWaitlist'; args: FirstArg<'joinWaitlist'> }
  /** A drawn code is drawn while the entry applies, from its seed: every node draws the same. */
  | { kind: 'createPresaleCode'; args: FirstArg<'createPresaleCode'> }
  | { kind: 'releaseHoldback'; args: FirstArg<'releaseHoldback'> }
  /** The imported JSON travels in the entry (validated by every replica alike); the id comes from the entry's seed. */
  | { kind: 'createLayout'; args: FirstArg<'createLayout'> }
  | { kind: 'leaveWaitlist'; args: FirstArg<'leaveWaitlist'> }
  /** Webhooks: the organiser's endpoints, and the leader's dispatcher reporting its attempts. */
  | { kind: 'createWebhookEndpoint'; args: FirstArg<'createWebhookEndpoint'> }
  | { kind: 'updateWebhookEndpoint'; args: FirstArg<'updateWebhookEndpoint'> }
  | { kind: 'deleteWebhookEndpoint'; args: FirstArg<'deleteWebhookEndpoint'> }
  | { kind: 'retryWebhookDelivery'; args: FirstArg<'retryWebhookDelivery'> }
  | { kind: 'recordWebhookAttempts'; args: FirstArg<'recordWebhookAttempts'> }
  | { kind: 'advanceWebhookCursor'; args: FirstArg<'advanceWebhookCursor'> }
  /** Seeds the demo catalogue if the engine is empty when it applies: any number of nodes may ask. */
  | { kind: 'seedDemo'; args: Record<string, never> }
  /** Presence gathered by one node (polls, open queue sockets): each token counts as seen at the entry's time. */
  | { kind: 'touchQueueTokens'; args: { tokens: string[] } };

/**
 * A command with the id its requester waits on; a command id is applied at most once (see CommandApplier).
 * `receivedAtMs`: when the node that took it received it. The leader writes `atMs`, the instant it happens
 * at: the time it was received, but never later than the leader's clock, so a payment taken before a
 * hold's deadline and delayed by a leader's death is still decided before the hold expires.
 */
export interface CommandEnvelope { id: string; command: ClusterCommand; receivedAtMs: number; atMs?: number }

export interface LogEntry {
  /**
   * The log's time once the entry is applied (the leader's clock, never earlier than the entry before); its
   * commands happen at their own `atMs` on the way there. Time moves only forward.
   */
  atMs: number;
  /** Base64 seed of the random bytes drawn while the entry applies. */
  seed: string;
  /** The node that appended it (for the audit trail and the logs). */
  leader: string;
  commands: CommandEnvelope[];
}

export function encodeEntry(entry: LogEntry): Uint8Array {
  return Buffer.from(JSON.stringify(entry));
}

export function decodeEntry(data: Uint8Array): LogEntry {
  const entry = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8')) as LogEntry;
  if (typeof entry.atMs !== 'number' || typeof entry.seed !== 'string' || !Array.isArray(entry.commands)) {
    throw new Error('malformed log entry');
  }
  return entry;
}
