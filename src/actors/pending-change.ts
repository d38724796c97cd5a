/**
 * What one command changed: journal rows, projection writes and what to do once it is durable.
 * The engine evolves memory at decide time (so the next command sees it) and hands the change to
 * the group commit; callers are answered and subscribers told only in `afterCommit`.
 */
import type { EventData, EventType } from '../domain/webhooks.js';
import type { Store } from '../persistence/store.js';

export interface JournalEntry { stream: string; type: string; atMs: number; data: unknown }
/**
 * An event for the outbox: its data is built at decide time (state moves on) and serialized in the commit.
 * Its sequence is given when the change is submitted, in decide order (see CommandRunner.submit).
 */
export interface OutboxEntry { type: EventType; atMs: number; data: unknown; seq: number }

export class PendingChange {
  readonly journal: JournalEntry[] = [];
  readonly writes: Array<(store: Store) => void> = [];
  readonly afterCommit: Array<() => void> = [];
  readonly events: OutboxEntry[] = [];

  record(stream: string, event: { type: string; atMs: number }): void {
    this.journal.push({ stream, type: event.type, atMs: event.atMs, data: event });
  }

  /** What the platform will hear about this change, written to the outbox in its commit. */
  publish<T extends EventType>(type: T, atMs: number, data: EventData[T]): void {
    this.events.push({ type, atMs, data, seq: 0 });
  }

  write(write: (store: Store) => void): void {
    this.writes.push(write);
  }

  then(action: () => void): void {
    this.afterCommit.push(action);
  }

  get isEmpty(): boolean {
    return this.journal.length === 0 && this.writes.length === 0 && this.events.length === 0;
  }
}
