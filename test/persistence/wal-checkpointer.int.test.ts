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
