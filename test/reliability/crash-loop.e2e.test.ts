/**
 * Crash loop: the real server (`node dist/server.js`) under concurrent load from a separate process,
 * kill -9 at random moments (and sometimes during recovery), restarted, and audited after every restart
 * against everything it acknowledged. RELIABILITY_SEED=<n> replays a run's choices; `npm run soak`
 * runs the same loop for any number of cycles.
 */
import { describe, expect, it } from 'vitest';
import { CI_CRASH_LOOP, runCrashLoop } from './support/crash-loop.js';
import { ensureBuilt } from './support/server-process.js';

const seed = Number(process.env['RELIABILITY_SEED'] ?? Math.floor(Math.random() * 2 ** 31));

describe('crash loop: kill -9 under load, restart, audit', () => {
  it(`keeps every acknowledged charge, payment, hold, key and place in line through ${CI_CRASH_LOOP.cycles} kills (seed ${seed})`, async () => {
    // Given the built server on a fresh database, two schedules, and a driver process with many users
    await ensureBuilt();
    const log: string[] = [];

    // When it is killed with SIGKILL at random moments under load and restarted each time
    const report = await runCrashLoop({ ...CI_CRASH_LOOP, seed, log: (line) => log.push(line) });

    // The run in one line, printed always and carried by every assertion, so a failure says which figure and why.
    const summary = `crash loop (seed ${seed}): ${report.killCycles} kill -9 cycles + ${report.startupKills} during recovery, `
      + `${report.acknowledged} acknowledged operations (${report.checkins} check-ins, ${report.refunds} refunds), ${report.checkedOperations} checks, ${report.replays} key replays, ${report.journalRows} journal rows, `
      + `${report.bestAvailableHolds} best-available and ${report.standingHolds} standing holds, ${report.events} events (${report.offers} waitlist offers, ${report.waitlistChecked} waitlist checks), ${report.webhookDeliveries} webhook deliveries (${report.webhookResent} resent after a kill), `
      + `room: ${report.roomJoins} joins, ${report.roomAdmissions} admissions, ${report.roomReceipts} receipts`;
    process.stdout.write(`${summary}\n`);

    // Then every audit after every restart found nothing wrong
    expect(report.violations, `seed ${seed}; work dir ${report.workDir}\n${log.join('\n')}`).toEqual([]);
    expect(report.killCycles, summary).toBe(CI_CRASH_LOOP.cycles);
    // and the load was real: money moved, seats were held, keys were replayed.
    expect(report.acknowledged, summary).toBeGreaterThan(CI_CRASH_LOOP.cycles * 10);
    expect(report.replays, summary).toBeGreaterThan(0);
    expect(report.checkins, summary).toBeGreaterThan(0);
    expect(report.refunds, summary).toBeGreaterThan(0);
    // and the outbox was audited: events of the acknowledged changes, delivered to a webhook receiver across the kills.
    expect(report.events, summary).toBeGreaterThan(report.checkins);
    expect(report.webhookDeliveries, summary).toBeGreaterThanOrEqual(report.events);
    expect(report.offers, summary).toBeGreaterThan(0);
    // and fans raced for the best seats and standing places of arenas, every one of them audited.
    expect(report.bestAvailableHolds, summary).toBeGreaterThan(0);
    expect(report.standingHolds, summary).toBeGreaterThan(0);
    // and a sale's room filled its pre-queue, opened between kills and admitted in its drawn order, receipts checked.
    expect(report.roomJoins, summary).toBeGreaterThan(0);
    expect(report.roomAdmissions, summary).toBeGreaterThan(0);
    expect(report.roomReceipts, summary).toBeGreaterThan(0);
  }, 420_000);
});
