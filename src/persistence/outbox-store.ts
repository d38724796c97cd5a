/**
 * The outbox and the webhook tables. Writes happen only inside the group commit's transaction (same
 * connection as the Store); reads serve recovery, the dispatcher and the admin's and platform's queries,
 * never a fan's request.
 */
import type { Statement } from 'better-sqlite3';
import type { DeliveryStatus } from '../domain/webhooks.js';
import type { SqliteDatabase } from './database.js';

export interface OutboxRow { seq: number; type: string; at_ms: number; data: string }

export interface EndpointRow {
  endpointId: string;
  url: string;
  events: string[];
  description: string;
  secret: string;
  enabled: boolean;
  createdAtMs: number;
  cursor: number;
}

export interface DeliveryRow {
  endpointId: string;
  eventSeq: number;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAtMs: number;
  lastAttemptAtMs: number;
  lastStatusCode: number | null;
  lastError: string | null;
}

type DeliveryTuple = [string, number, DeliveryStatus, number, number, number, number | null, string | null];
const DELIVERY_COLUMNS = 'endpoint_id, event_seq, status, attempts, next_attempt_at_ms, last_attempt_at_ms, last_status_code, last_error';

function deliveryRow(row: DeliveryTuple): DeliveryRow {
  return {
    endpointId: row[0], eventSeq: row[1], status: row[2], attempts: row[3], nextAttemptAtMs: row[4], lastAttemptAtMs: row[5],
    lastStatusCode: row[6], lastError: row[7],
  };
}

export class OutboxStore {
  private readonly appendStmt: Statement;
  private readonly afterStmt: Statement;
  private readonly refsAfterStmt: Statement;
  private readonly atStmt: Statement;
  private readonly purgeStmt: Statement;
  private readonly insertEndpointStmt: Statement;
  private readonly updateEndpointStmt: Statement;
  private readonly deleteEndpointStmt: Statement;
  private readonly deleteEndpointDeliveriesStmt: Statement;
  private readonly cursorStmt: Statement;
  private readonly upsertDeliveryStmt: Statement;
  private readonly deliveriesStmt: Statement;
  private readonly deliveryStmt: Statement;
  private readonly purgeDeliveriesStmt: Statement;

  constructor(private readonly db: SqliteDatabase) {
    this.appendStmt = db.prepare('INSERT INTO outbox (seq, type, at_ms, data) VALUES (?, ?, ?, ?)');
    this.afterStmt = db.prepare('SELECT seq, type, at_ms, data FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?');
    this.refsAfterStmt = db.prepare('SELECT seq, type FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?').raw();
    this.atStmt = db.prepare('SELECT seq, type, at_ms, data FROM outbox WHERE seq = ?');
    // The oldest first (seq is the rowid), a bounded step per commit like every purge (see retention.ts). The
    // newest event always stays: the next sequence follows it after a restart, so an id is never reused.
    this.purgeStmt = db.prepare('DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox ORDER BY seq LIMIT ?) AND at_ms < ? AND seq < (SELECT MAX(seq) FROM outbox)');
    this.insertEndpointStmt = db.prepare('INSERT INTO webhook_endpoints (endpoint_id, url, events, description, secret, enabled, created_at_ms, cursor) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.updateEndpointStmt = db.prepare('UPDATE webhook_endpoints SET url = ?, events = ?, description = ?, enabled = ? WHERE endpoint_id = ?');
    this.deleteEndpointStmt = db.prepare('DELETE FROM webhook_endpoints WHERE endpoint_id = ?');
    this.deleteEndpointDeliveriesStmt = db.prepare('DELETE FROM webhook_deliveries WHERE endpoint_id = ?');
    this.cursorStmt = db.prepare('UPDATE webhook_endpoints SET cursor = ? WHERE endpoint_id = ?');
    this.upsertDeliveryStmt = db.prepare(`INSERT INTO webhook_deliveries (${DELIVERY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (endpoint_id, event_seq) DO UPDATE SET status = excluded.status, attempts = excluded.attempts,
      next_attempt_at_ms = excluded.next_attempt_at_ms, last_attempt_at_ms = excluded.last_attempt_at_ms,
      last_status_code = excluded.last_status_code, last_error = excluded.last_error`);
    this.deliveriesStmt = db.prepare(`SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE endpoint_id = ? AND (? IS NULL OR status = ?) ORDER BY event_seq DESC LIMIT ?`).raw();
    this.deliveryStmt = db.prepare(`SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE endpoint_id = ? AND event_seq = ?`).raw();
    // Settled deliveries of events the outbox no longer keeps; a retry still waiting stays, whatever its age.
    this.purgeDeliveriesStmt = db.prepare('DELETE FROM webhook_deliveries WHERE (event_seq, endpoint_id) IN (SELECT event_seq, endpoint_id FROM webhook_deliveries WHERE event_seq < ? AND status <> \'PENDING\' ORDER BY event_seq LIMIT ?)');
  }

  // --- writes (inside the group commit transaction) ---

  append(seq: number, type: string, atMs: number, data: string): void {
    this.appendStmt.run(seq, type, atMs, data);
  }

  /** Deletes, among the `limit` oldest events, those older than `beforeMs`; returns how many. */
  purge(beforeMs: number, limit: number): number {
    return this.purgeStmt.run(limit, beforeMs).changes;
  }

  /** Deletes up to `limit` settled deliveries of events before `beforeSeq`; returns how many. */
  purgeDeliveries(beforeSeq: number, limit: number): number {
    return this.purgeDeliveriesStmt.run(beforeSeq, limit).changes;
  }

  insertEndpoint(row: EndpointRow): void {
    this.insertEndpointStmt.run(row.endpointId, row.url, JSON.stringify(row.events), row.description, row.secret, row.enabled ? 1 : 0, row.createdAtMs, row.cursor);
  }

  /** Everything but the cursor, which only the dispatcher's reports move. */
  updateEndpoint(row: EndpointRow): void {
    this.updateEndpointStmt.run(row.url, JSON.stringify(row.events), row.description, row.enabled ? 1 : 0, row.endpointId);
  }

  deleteEndpoint(endpointId: string): void {
    this.deleteEndpointStmt.run(endpointId);
    this.deleteEndpointDeliveriesStmt.run(endpointId);
  }

  setCursor(endpointId: string, cursor: number): void {
    this.cursorStmt.run(cursor, endpointId);
  }

  putDelivery(row: DeliveryRow): void {
    this.upsertDeliveryStmt.run(row.endpointId, row.eventSeq, row.status, row.attempts, row.nextAttemptAtMs, row.lastAttemptAtMs, row.lastStatusCode, row.lastError);
  }

  // --- reads ---

  minSeq(): number {
    return this.db.prepare('SELECT COALESCE(MIN(seq), 0) FROM outbox').pluck().get() as number;
  }

  maxSeq(): number {
    return this.db.prepare('SELECT COALESCE(MAX(seq), 0) FROM outbox').pluck().get() as number;
  }

  after(seq: number, limit: number): OutboxRow[] {
    return this.afterStmt.all(seq, limit) as OutboxRow[];
  }

  /** Sequences and types only: what the dispatcher scans (the data is read for the events it sends). */
  refsAfter(seq: number, limit: number): Array<[number, string]> {
    return this.refsAfterStmt.all(seq, limit) as Array<[number, string]>;
  }

  at(seq: number): OutboxRow | undefined {
    return this.atStmt.get(seq) as OutboxRow | undefined;
  }

  endpoints(): EndpointRow[] {
    const rows = this.db.prepare('SELECT endpoint_id, url, events, description, secret, enabled, created_at_ms, cursor FROM webhook_endpoints ORDER BY created_at_ms, endpoint_id').raw().all() as Array<[string, string, string, string, string, number, number, number]>;
    return rows.map(([endpointId, url, events, description, secret, enabled, createdAtMs, cursor]) => ({
      endpointId, url, events: JSON.parse(events) as string[], description, secret, enabled: enabled === 1, createdAtMs, cursor,
    }));
  }

  /** Deliveries still open at recovery: every PENDING one, and any attempted after its endpoint's cursor. */
  openDeliveries(): DeliveryRow[] {
    const rows = this.db.prepare(`SELECT ${DELIVERY_COLUMNS.split(', ').map((c) => `d.${c}`).join(', ')} FROM webhook_deliveries d
      JOIN webhook_endpoints e ON e.endpoint_id = d.endpoint_id WHERE d.status = 'PENDING' OR d.event_seq > e.cursor`).raw().all() as DeliveryTuple[];
    return rows.map(deliveryRow);
  }

  parkedCounts(): Map<string, number> {
    const rows = this.db.prepare('SELECT endpoint_id, COUNT(*) FROM webhook_deliveries WHERE status = \'PARKED\' GROUP BY endpoint_id').raw().all() as Array<[string, number]>;
    return new Map(rows);
  }

  /** An endpoint's deliveries, the newest event first. */
  deliveries(endpointId: string, status: DeliveryStatus | null, limit: number): DeliveryRow[] {
    return (this.deliveriesStmt.all(endpointId, status, status, limit) as DeliveryTuple[]).map(deliveryRow);
  }

  delivery(endpointId: string, eventSeq: number): DeliveryRow | undefined {
    const row = this.deliveryStmt.get(endpointId, eventSeq) as DeliveryTuple | undefined;
    return row === undefined ? undefined : deliveryRow(row);
  }
}
