/**
 * A waiting fan's estimatedWaitSeconds through the engine, on the ManualClock: a full room of two
 * where one admitted fan leaves every five seconds. Between admissions the ETA must not creep up, and a
 * restart (clean or kill -9) must not move it: the admission-rate estimate is persisted with the queue.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { BookingEngine } from '../../src/domain/engine.js';
import { openHarness, settle, type Harness } from '../support/engine-harness.js';

let h: Harness;
afterEach(async () => h?.dispose());

const LINE = 30;
const EVERY_MS = 5_000;

interface Line { tokens: Map<string, string>; fan: string }

/** Two admitted, LINE waiting behind them, the fan last. */
async function givenAFullRoom(): Promise<Line> {
  h = await openHarness({ queueMaxActive: 2 });
  const tokens = new Map<string, string>();
  for (let i = 0; i < LINE; i++) {
    const issued = await h.engine.issueQueueToken(`u${i}`);
    if (!issued.ok) throw new Error(issued.error.code);
    tokens.set(`u${i}`, issued.value.status.token);
  }
  await h.advance(1_000); // the first tick fills both slots
  const line = { tokens, fan: `u${LINE - 1}` };
  for (let ms = 1_000; ms < EVERY_MS; ms += 1_000) {
    await h.advance(1_000);
    poll(h.engine, line);
  }
  return line;
}

/** Every waiting fan polls (so nobody is idle-dropped); answers the fan's position and ETA. */
function poll(engine: BookingEngine, line: Line): { position: number; eta: number } {
  let fanStatus = { position: 0, eta: 0 };
  for (const [userId, token] of line.tokens) {
    const status = engine.queueStatus(userId, token);
    if (status.ok && userId === line.fan) fanStatus = { position: status.value.position, eta: status.value.estimatedWaitSeconds };
  }
  return fanStatus;
}

/** One turn: an admitted fan leaves, then the clock runs `ms` a second at a time; samples the fan each second. */
async function turn(line: Line, ms = EVERY_MS): Promise<Array<{ position: number; eta: number }>> {
  await leave(line);
  return run(line, ms);
}

async function leave(line: Line): Promise<void> {
  const leaving = [...line.tokens].find(([userId, token]) => h.engine.checkQueueAccess(userId, token).ok);
  if (leaving === undefined) throw new Error('nobody is admitted');
  expect((await h.engine.leaveQueue(leaving[0], leaving[1])).ok).toBe(true);
  line.tokens.delete(leaving[0]);
}

async function run(line: Line, ms: number): Promise<Array<{ position: number; eta: number }>> {
  const samples = [];
  for (let elapsed = 0; elapsed < ms; elapsed += 1_000) {
    await h.advance(1_000);
    samples.push(poll(h.engine, line));
  }
  return samples;
}

/** Samples at one position (no admission between them) whose ETA rose. */
function risesWhileIdle(samples: Array<{ position: number; eta: number }>): string[] {
  const rises: string[] = [];
  for (let i = 1; i < samples.length; i++) {
    const [before, after] = [samples[i - 1]!, samples[i]!];
    if (after.position === before.position && after.eta > before.eta) rises.push(`${i}: ${before.eta} -> ${after.eta} at position ${after.position}`);
  }
  return rises;
}

describe('engine: a waiting fan\'s ETA', () => {
  it('given one admission every five seconds, when the fan waits between admissions, then the ETA never rises', async () => {
    const line = await givenAFullRoom();
    const samples = [];
    for (let i = 0; i < 12; i++) samples.push(...(await turn(line)));
    expect(risesWhileIdle(samples)).toEqual([]);
    // and it says what the line does: about five seconds a place
    const last = samples.at(-1)!;
    expect(last.eta).toBeGreaterThan(last.position * EVERY_MS / 1000 * 0.5);
    expect(last.eta).toBeLessThan(last.position * EVERY_MS / 1000 * 2);
  });

  it('given a clean restart between admissions, then the fan sees the same ETA before and after, and it still does not creep up', async () => {
    const line = await givenAFullRoom();
    for (let i = 0; i < 8; i++) await turn(line);
    const samples = await turn(line, 2_000);
    const before = samples.at(-1)!;

    await h.reopen();
    await settle();

    expect(poll(h.engine, line)).toEqual(before);
    samples.push(...(await run(line, EVERY_MS - 2_000)));
    for (let i = 0; i < 3; i++) samples.push(...(await turn(line)));
    expect(risesWhileIdle(samples)).toEqual([]);
  });

  it('given a kill -9 between admissions and a minute of downtime, then the fan sees the same ETA after the restart', async () => {
    const line = await givenAFullRoom();
    for (let i = 0; i < 8; i++) await turn(line);
    const before = (await turn(line, 2_000)).at(-1)!;

    // (a crash may lose the last tick's snapshot: at most a second of line time, within the interval here)
    h.clock.stall(60_000); // down for a minute: that is not a minute of quiet line
    await h.crash();
    await settle();

    expect(poll(h.engine, line)).toEqual(before);
  });
});
