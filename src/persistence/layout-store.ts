/**
 * The venue_layouts table: each layout an organiser imported, as the JSON it was imported as, and its summary
 * as computed at the import (JSON). Written only inside the group commit's transaction; read on demand (admin
 * reads, not the hot path), without validating anything again.
 */
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from './database.js';

export interface LayoutRow { layoutId: string; json: string; summary: string; createdAtMs: number }

export class LayoutStore {
  private readonly insertStmt: Statement;
  private readonly getStmt: Statement;
  private readonly listStmt: Statement;
  private readonly unsummarizedStmt: Statement;
  private readonly setSummaryStmt: Statement;

  constructor(db: SqliteDatabase) {
    this.insertStmt = db.prepare('INSERT INTO venue_layouts (layout_id, layout, summary, created_at_ms) VALUES (?, ?, ?, ?)');
    this.getStmt = db.prepare('SELECT layout, summary, created_at_ms FROM venue_layouts WHERE layout_id = ?').raw();
    this.listStmt = db.prepare('SELECT layout_id, summary, created_at_ms FROM venue_layouts ORDER BY created_at_ms, layout_id LIMIT ?').raw();
    this.unsummarizedStmt = db.prepare('SELECT layout_id, layout FROM venue_layouts WHERE summary IS NULL').raw();
    this.setSummaryStmt = db.prepare('UPDATE venue_layouts SET summary = ? WHERE layout_id = ?');
  }

  /**
   * Fills in the summary of layouts imported before summaries were stored (schema v8). Deterministic from the
   * layout, so every replica fills in the same; returns how many it filled.
   */
  fillSummaries(summarize: (json: string) => string): number {
    const rows = this.unsummarizedStmt.all() as Array<[string, string]>;
    for (const [layoutId, json] of rows) this.setSummaryStmt.run(summarize(json), layoutId);
    return rows.length;
  }

  insert(row: LayoutRow): void {
    this.insertStmt.run(row.layoutId, row.json, row.summary, row.createdAtMs);
  }

  get(layoutId: string): LayoutRow | undefined {
    const row = this.getStmt.get(layoutId) as [string, string, number] | undefined;
    return row === undefined ? undefined : { layoutId, json: row[0], summary: row[1], createdAtMs: row[2] };
  }

  /** The summaries only: a list never reads the layouts themselves. */
  summaries(limit: number): Array<Omit<LayoutRow, 'json'>> {
    return (this.listStmt.all(limit) as Array<[string, string, number]>).map(([layoutId, summary, createdAtMs]) => ({ layoutId, summary, createdAtMs }));
  }
}
