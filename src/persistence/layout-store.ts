/**
 * The venue_layouts table: each layout an organiser imported, as the JSON it was imported as (the JSON is
 * the durable form; the normalized layout is rebuilt from it by validateLayout when needed). Written only
 * inside the group commit's transaction; read on demand (admin reads, not the hot path).
 */
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from './database.js';

export interface LayoutRow { layoutId: string; json: string; createdAtMs: number }

export class LayoutStore {
  private readonly insertStmt: Statement;
  private readonly getStmt: Statement;
  private readonly listStmt: Statement;

  constructor(db: SqliteDatabase) {
    this.insertStmt = db.prepare('INSERT INTO venue_layouts (layout_id, layout, created_at_ms) VALUES (?, ?, ?)');
    this.getStmt = db.prepare('SELECT layout_id, layout, created_at_ms FROM venue_layouts WHERE layout_id = ?').raw();
    this.listStmt = db.prepare('SELECT layout_id, layout, created_at_ms FROM venue_layouts ORDER BY created_at_ms, layout_id LIMIT ?').raw();
  }

  insert(row: LayoutRow): void {
    this.insertStmt.run(row.layoutId, row.json, row.createdAtMs);
  }

  get(layoutId: string): LayoutRow | undefined {
    const row = this.getStmt.get(layoutId) as [string, string, number] | undefined;
    return row === undefined ? undefined : { layoutId: row[0], json: row[1], createdAtMs: row[2] };
  }

  list(limit: number): LayoutRow[] {
    return (this.listStmt.all(limit) as Array<[string, string, number]>).map(([layoutId, json, createdAtMs]) => ({ layoutId, json, createdAtMs }));
  }
}
