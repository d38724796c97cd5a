/**
 * `npm run soak -- --cluster`: the cluster under load for as long as asked, one fault after another,
 * chosen at random: kill -9 of the leader, kill -9 of a follower, kill -9 of a nats-server, SIGSTOP of
 * the leader past its lease then SIGCONT. After each, the time until a survivor acknowledges a write,
 * the restart of what was killed, and an audit of every running node against every acknowledged answer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from '../../reliability/support/http-client.js';
import { SeededRandom } from '../../reliability/support/random.js';
import { LEASE_TTL_MS } from './cluster-processes.js';
import { ClusterRun } from './cluster-run.js';

export interface ClusterSoakOptions {
  faults: number;
  seed: number;
  bookingUsers: number;
  waiterUsers: number;
  keepWorkDir: boolean;
  log: (line: string) => void;
}

export interface ClusterSoakReport {
  seed: number;
  workDir: string;
  faults: Record<string, number>;
  /** Milliseconds from each fault to the first write a survivor acknowledged. */
  recoveryMs: number[];
  acknowledged: number;
  checked: number;
  violations: string[];
}

type Fault = 'kill-leader' | 'kill-follower' | 'kill-nats' | 'pause-leader';
const FAULTS: Fault[] = ['kill-leader', 'kill-follower', 'kill-nats', 'pause-leader'];

export async function runClusterSoak(options: ClusterSoakOptions): Promise<ClusterSoakReport> {
  const random = new SeededRandom(options.seed);
  const workDir = mkdtempSync(join(tmpdir(), 'cluster-soak-'));
  const report: ClusterSoakReport = { seed: options.seed, workDir, faults: {}, recoveryMs: [], acknowledged: 0, checked: 0, violations: [] };
  const run = await ClusterRun.start({ dir: workDir, nodes: 3, seed: random.int(1, 2 ** 31), bookingUsers: options.bookingUsers, waiterUsers: options.waiterUsers });
  try {
    for (let i = 1; i <= options.faults; i++) {
      await sleep(random.int(1_000, 4_000));
      const fault = random.pick(FAULTS);
      report.faults[fault] = (report.faults[fault] ?? 0) + 1;
      const leaderId = await run.cluster.waitForLeader();
      let recoveryMs: number;
      if (fault === 'kill-nats') {
        // Half the time the server leading the log's stream: its Raft group must elect another.
        const victim = random.chance(0.5) ? await run.cluster.streamLeaderServer() : random.pick(run.cluster.nats.servers);
        victim.kill('SIGKILL');
        await victim.stopped();
        recoveryMs = await run.firstAcknowledgedWrite(random.pick(run.cluster.running));
        await sleep(random.int(500, 2_000));
        await victim.start();
      } else if (fault === 'pause-leader') {
        const paused = run.cluster.node(leaderId);
        const pausedAt = Date.now();
        paused.server.pause();
        await run.cluster.waitForLeader(leaderId, LEASE_TTL_MS * 10);
        await run.firstAcknowledgedWrite(random.pick(run.cluster.running.filter((n) => n.id !== leaderId)));
        recoveryMs = Date.now() - pausedAt;
        paused.server.resume();
      } else {
        const followers = run.cluster.running.filter((n) => n.id !== leaderId);
        const victim = fault === 'kill-leader' || followers.length === 0 ? run.cluster.node(leaderId) : random.pick(followers);
        await victim.server.kill();
        recoveryMs = await run.firstAcknowledgedWrite(random.pick(run.cluster.running));
        await sleep(random.int(0, 1_500));
        await victim.server.start();
      }
      report.recoveryMs.push(recoveryMs);
      const audit = await run.audit(`fault ${i} (${fault})`);
      report.acknowledged = audit.acknowledged;
      report.checked += audit.checked;
      report.violations.push(...audit.violations);
      options.log(`fault ${i}/${options.faults}: ${fault} (leader was ${leaderId}); writes acknowledged again after ${recoveryMs} ms; `
        + `${audit.acknowledged} acknowledged so far, ${audit.checked} checks on ${run.cluster.running.length} nodes; ${audit.violations.length} violations`);
      for (const violation of audit.violations.slice(0, 20)) options.log(`  ${violation}`);
      if (audit.violations.length > 0) break;
    }
  } finally {
    await run.stop();
    if (!options.keepWorkDir && report.violations.length === 0) rmSync(workDir, { recursive: true, force: true });
  }
  return report;
}
