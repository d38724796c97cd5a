/**
 * `npm run soak -- --cycles=N [--seed=S] [--booking-users=B] [--waiter-users=W] [--keep]`: the CI crash
 * loop for as many kill cycles as you like. Exits 1 on the first violation and keeps the work directory
 * (database, record, server log) for a look; the seed reproduces the run's choices.
 *
 * `npm run soak -- --disk [--minutes=30] [--sample-seconds=60] [--users=24] [--pause-ms=40] [--out=file.json]`:
 * the disk soak instead (support/disk-soak.ts): steady load, no kills, the database's size every minute,
 * printed as the table BENCHMARKS.md shows.
 *
 * `npm run soak -- --cluster [--faults=20] [--seed=S] [--keep]`: three nats-servers and three booking
 * nodes under load, one random fault after another (kill -9 of the leader, of a follower, of a
 * nats-server; SIGSTOP of the leader past its lease), each followed by an audit of every node
 * (../cluster/support/cluster-soak.ts).
 */
import { writeFileSync } from 'node:fs';
import { CI_CRASH_LOOP, runCrashLoop } from './support/crash-loop.js';
import { markdownTable, runDiskSoak } from './support/disk-soak.js';
import { runClusterSoak } from '../cluster/support/cluster-soak.js';

function flag(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((arg) => arg.startsWith(prefix))?.slice(prefix.length);
}

function integerFlag(name: string, fallback: number): number {
  const raw = flag(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer, got ${raw}`);
  return value;
}

const seed = integerFlag('seed', Math.floor(Math.random() * 2 ** 31));
const startedAt = Date.now();
if (process.argv.includes('--disk')) {
  const { samples, workDir } = await runDiskSoak({
    minutes: integerFlag('minutes', 30),
    sampleSeconds: integerFlag('sample-seconds', 60),
    users: integerFlag('users', 24),
    pauseMs: integerFlag('pause-ms', 40),
    holdTtlSeconds: integerFlag('hold-ttl-seconds', 5),
    seed,
    keepWorkDir: process.argv.includes('--keep'),
    log: (line) => process.stdout.write(`${line}\n`),
  });
  const out = flag('out');
  if (out !== undefined) writeFileSync(out, JSON.stringify(samples, null, 2));
  process.stdout.write(`\n${markdownTable(samples)}\n${process.argv.includes('--keep') ? `work directory kept: ${workDir}\n` : ''}`);
  process.exit(0);
}
if (process.argv.includes('--cluster')) {
  const cluster = await runClusterSoak({
    faults: integerFlag('faults', 20),
    seed,
    bookingUsers: integerFlag('booking-users', 10),
    waiterUsers: integerFlag('waiter-users', 6),
    keepWorkDir: process.argv.includes('--keep'),
    log: (line) => process.stdout.write(`${line}\n`),
  });
  const sorted = [...cluster.recoveryMs].sort((x, y) => x - y);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  process.stdout.write(`\nsoak --cluster: seed ${cluster.seed}, faults ${JSON.stringify(cluster.faults)} in ${Math.round((Date.now() - startedAt) / 1000)} s; `
    + `writes acknowledged again after median ${median} ms, worst ${sorted.at(-1) ?? 0} ms; ${cluster.acknowledged} acknowledged operations, `
    + `${cluster.checked} checks; ${cluster.violations.length} violations\n`);
  if (cluster.violations.length > 0) process.stdout.write(`work directory kept: ${cluster.workDir}\nreplay the choices with --seed=${cluster.seed}\n`);
  process.exit(cluster.violations.length > 0 ? 1 : 0);
}
const report = await runCrashLoop({
  ...CI_CRASH_LOOP,
  cycles: integerFlag('cycles', 100),
  bookingUsers: integerFlag('booking-users', CI_CRASH_LOOP.bookingUsers),
  waiterUsers: integerFlag('waiter-users', CI_CRASH_LOOP.waiterUsers),
  waitlistUsers: integerFlag('waitlist-users', CI_CRASH_LOOP.waitlistUsers),
  seed,
  keepWorkDir: process.argv.includes('--keep'),
  log: (line) => process.stdout.write(`${line}\n`),
});
const seconds = Math.round((Date.now() - startedAt) / 1000);
process.stdout.write(`\nsoak: seed ${report.seed}, ${report.killCycles} kill -9 cycles (${report.startupKills} more during recovery) in ${seconds} s; `
  + `${report.acknowledged} acknowledged operations, ${report.checkedOperations} checks of them, ${report.replays} key replays, `
  + `${report.journalRows} journal rows, ${report.events} events (${report.offers} waitlist offers), ${report.webhookDeliveries} webhook deliveries (${report.webhookResent} resent); `
  + `${report.violations.length} violations\n`);
if (report.violations.length > 0) {
  process.stdout.write(`work directory kept: ${report.workDir}\nreplay the choices with --seed=${report.seed}\n`);
  process.exit(1);
}
