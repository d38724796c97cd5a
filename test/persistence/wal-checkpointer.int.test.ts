import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/actors/engine.js';
import { DEFAULT_LIMITS } from '../../src/domain/engine.js';

/** Bytes of WAL left after a steady trickle of commits. */
async function walBytesAfterLoad(walCheckpointIntervalMs: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'booking-wal-'));
  const dbPath = join(dir, 'booking.db');
  const engine = createEngine({ dbPath, limits: { ...DEFAULT_LIMITS, balanceMax: 1e15, monthlyChargeMax: 1e15 }, walCheckpointIntervalMs });
  try {
    await engine.start();
    for (let round = 0; round < 20; round++) {
      await Promise.all(Array.from({ length: 50 }, (_, i) => engine.charge({ userId: `user${round}-${i}`, amount: 1_000 })));
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    return statSync(`${dbPath}-wal`).size;
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('WAL checkpointer', () => {
  it('keeps the WAL small by checkpointing from its worker, where the writer alone lets it grow', async () => {
    const withWorker = await walBytesAfterLoad(10);
    const writerOnly = await walBytesAfterLoad(0);
    expect(withWorker).toBeLessThan(writerOnly / 4);
  });
});

/** The WAL file's largest size while 64 callers hold and cancel seats back to back for `ms`. */
async function walBytesUnderSustainedWrites(walRewindAfterPages: number, ms: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'booking-wal-'));
  const dbPath = join(dir, 'booking.db');
  const engine = createEngine({ dbPath, durability: 'NORMAL', limits: DEFAULT_LIMITS, walCheckpointIntervalMs: 100, walRewindAfterPages });
  let largest = 0;
  const sampler = setInterval(() => {
    largest = Math.max(largest, statSync(`${dbPath}-wal`).size);
  }, 20);
  try {
    await engine.start();
    const startsAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const created = await engine.createConcert({ title: 'Sustained', venue: 'Hall', schedules: [{ startsAt }, { startsAt }] });
    if (!created.ok) throw new Error(created.error.code);
    const scheduleIds = created.value.schedules.map((schedule) => schedule.scheduleId);
    const deadline = performance.now() + ms;
    await Promise.all(Array.from({ length: 64 }, async (_, i) => {
      const userId = `fan${i}`;
      const scheduleId = scheduleIds[i % 2] as string;
      while (performance.now() < deadline) {
        const held = await engine.hold({ userId, scheduleId, seatNumbers: [Math.floor(i / 2) + 1] });
        if (!held.ok) throw new Error(held.error.code);
        await engine.cancelReservation(userId, held.value.reservationId);
      }
    }));
    return largest;
  } finally {
    clearInterval(sampler);
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('WAL checkpointer under sustained writes', () => {
  it('rewinds the WAL once a checkpoint has copied it back, where PASSIVE checkpoints alone let it grow', async () => {
    const passiveOnly = await walBytesUnderSustainedWrites(Number.MAX_SAFE_INTEGER, 2_000);
    const rewound = await walBytesUnderSustainedWrites(256, 2_000);
    expect(rewound).toBeLessThan(passiveOnly / 2);
  }, 30_000);
});
