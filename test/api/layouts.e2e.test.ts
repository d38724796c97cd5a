/**
 * Venue layouts through the admin API: the 50,000-seat demo arena is imported and read back summed up by
 * section, category and accessibility; a layout with overlapping seats, a gap and an unknown category is
 * refused whole with each problem at its JSON path, and nothing is kept; layouts survive a restart.
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoArenaLayout } from '../../src/venues/demo-layouts.js';
import { TEST_ADMIN_KEY } from '../helpers/build-test-app.js';
import { startLiveApi, type LiveApi } from './http-client.js';

let api: LiveApi;

beforeAll(async () => {
  api = await startLiveApi();
});
afterAll(async () => {
  await api?.close();
});

describe('venue layouts', () => {
  it('given the demo arena, then 201 with its 50,000 seats by section and category, listed and read back with its JSON', async () => {
    const arena = demoArenaLayout();
    const created = await api.http.post('/v1/admin/layouts', { adminKey: TEST_ADMIN_KEY, body: arena });
    expect(created.status, JSON.stringify(created.body).slice(0, 500)).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Demo arena', version: 1, seatCount: 50_000, sellableSeatCount: 49_998,
      categories: [{ id: 'VIP', seats: 2_500 }, { id: 'R', seats: 22_500 }, { id: 'S', seats: 25_000 }, { id: 'GA', seats: 0 }],
      generalAdmission: [{ id: 'FLOOR', category: 'GA', capacity: 5_000 }],
      accessibility: { wheelchair: 40, companion: 40, restrictedView: 60, blocked: 2 },
    });
    expect((created.body.sections as unknown[]).length).toBe(20);
    const layoutId = created.body.layoutId as string;
    const listed = await api.http.get('/v1/admin/layouts', { adminKey: TEST_ADMIN_KEY });
    expect((listed.body.layouts as Array<{ layoutId: string }>).map((l) => l.layoutId)).toContain(layoutId);
    const read = await api.http.get(`/v1/admin/layouts/${layoutId}`, { adminKey: TEST_ADMIN_KEY });
    expect(read.body).toMatchObject({ layoutId, seatCount: 50_000, layout: arena });
  });

  it('given overlapping seats, a gap and an unknown category, then 400 LAYOUT_INVALID naming each at its path, and nothing kept', async () => {
    const before = (await api.http.get('/v1/admin/layouts', { adminKey: TEST_ADMIN_KEY })).body.layouts as unknown[];
    const bad = {
      name: 'Bad hall', version: 1,
      categories: [{ id: 'A', name: 'A', priceWon: 10_000, rank: 1 }],
      sections: [{
        id: 'M', name: 'Main', category: 'A',
        rows: [
          { label: 'A', seats: [1, 2, 2] },
          { label: 'B', seats: [1, 2, 4] },
          { label: 'C', category: 'Z', seats: { from: 1, to: 10 } },
        ],
      }],
    };
    const refused = await api.http.post('/v1/admin/layouts', { adminKey: TEST_ADMIN_KEY, body: bad });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 'LAYOUT_INVALID' });
    const errors = refused.body.details.errors as Array<{ path: string; code: string }>;
    expect(errors.map((e) => e.code)).toEqual(expect.arrayContaining(['SEAT_OVERLAP', 'ROW_GAP', 'UNKNOWN_CATEGORY']));
    expect(errors.find((e) => e.code === 'UNKNOWN_CATEGORY')?.path).toMatch(/^\$\.sections\[0\]\.rows\[2\]/);
    expect((await api.http.get('/v1/admin/layouts', { adminKey: TEST_ADMIN_KEY })).body.layouts).toHaveLength(before.length);
    expect((await api.http.get('/v1/admin/layouts/lay_nope', { adminKey: TEST_ADMIN_KEY })).body).toMatchObject({ code: 'LAYOUT_NOT_FOUND' });
  });

  it('keeps layouts across a restart, and sums up a layout imported before summaries were stored (schema v8)', async () => {
    const first = await startLiveApi({ database: 'file' });
    let second: LiveApi | undefined;
    try {
      const created = await first.engine.createLayout({ layout: demoArenaLayout() });
      if (!created.ok) throw new Error(created.error.code);
      await first.close({ keepDatabase: true });
      const v8 = new Database(first.dbPath);
      v8.prepare('UPDATE venue_layouts SET summary = NULL').run();
      v8.close();
      second = await startLiveApi({ dbPath: first.dbPath });
      expect(second.engine.getLayout(created.value.layoutId)).toMatchObject({ ok: true, value: { seatCount: 50_000, name: 'Demo arena' } });
    } finally {
      await second?.close();
      rmSync(dirname(first.dbPath), { recursive: true, force: true });
    }
  });
});
