/** The verifier script as anyone runs it on a room's published bundle: exit 0 when fair, 1 with the violations. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newSeed } from '../../src/rooms/fairness/fair-order.js';
import { runRoom } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'verify-room-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function verify(bundle: unknown): { status: number | null; stdout: string } {
  const path = join(dir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(bundle));
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/verify-room.ts', path], { encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, stdout: run.stdout };
}

describe('npm run verify-room', () => {
  it('given an honest room, then exit 0 and FAIR; given its seed changed, then exit 1 naming the violation', () => {
    const { bundle } = runRoom(Array.from({ length: 200 }, (_, i) => `fan-${i}`), ['late'], new Set(['fan-7']));
    const fair = verify(bundle);
    expect(fair.status, fair.stdout).toBe(0);
    expect(fair.stdout).toMatch(/200 entrants, 200 admissions, 200 receipts/);
    expect(fair.stdout).toMatch(/^FAIR/m);

    const unfair = verify({ ...bundle, seed: newSeed() });
    expect(unfair.status).toBe(1);
    expect(unfair.stdout).toMatch(/NOT FAIR/);
    expect(unfair.stdout).toMatch(/- the seed does not hash to the commitment/);
  });

  it('given a file that is not JSON, then exit 2', () => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{');
    expect(spawnSync(process.execPath, ['--import', 'tsx', 'scripts/verify-room.ts', path], { encoding: 'utf8' }).status).toBe(2);
  });
});
