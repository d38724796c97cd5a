/**
 * CPU per acknowledged command, per process of a cluster, from /proc utime+stime before and after a
 * run: what routing (the node that took the HTTP request), journaling (the leader's append) and fan-out
 * (a follower that only applies the log) each cost, and what that means for more nodes.
 */
import { median, round } from './stats.js';

export type CpuSnapshot = Record<string, number>;

/** One measured run: CPU seconds each process spent during it, and the commands acknowledged. */
export interface CpuRun {
  label: string;
  acknowledged: number;
  wallSeconds: number;
  cpuSeconds: CpuSnapshot;
  /** Which process played which part in this run. */
  roles: { entry: string[]; leader: string | null; idleFollowers: string[] };
}

export class CpuLedger {
  constructor(private readonly sources: () => Record<string, () => number>) {}

  snapshot(): CpuSnapshot {
    const out: CpuSnapshot = {};
    for (const [name, read] of Object.entries(this.sources())) out[name] = read();
    return out;
  }

  static delta(before: CpuSnapshot, after: CpuSnapshot): CpuSnapshot {
    const out: CpuSnapshot = {};
    for (const [name, value] of Object.entries(after)) out[name] = round(value - (before[name] ?? 0), 2);
    return out;
  }
}

/** µs of CPU per acknowledged command for one process in one run. */
export function usPerCommand(run: CpuRun, name: string): number {
  return run.acknowledged === 0 ? Number.NaN : ((run.cpuSeconds[name] ?? 0) / run.acknowledged) * 1e6;
}

function mean(values: number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Medians over runs of the per-command CPU of each role. */
export interface RoleCosts {
  /** The node that took the HTTP requests (HTTP, forwarding, waiting for its replica, applying). */
  entryUs: number;
  /** The leader (receiving forwarded commands, batching, appending to JetStream, applying). */
  leaderUs: number;
  /** A follower that took no requests: applying every command of the log (the fan-out cost). */
  applyUs: number;
  /** The three nats-servers together (the replicated append and delivery to every node). */
  natsUs: number;
  /** Every process of the cluster together. */
  totalUs: number;
}

export function roleCosts(runs: readonly CpuRun[]): RoleCosts {
  const per = (pick: (run: CpuRun) => number): number => round(median(runs.map(pick)), 1);
  return {
    entryUs: per((run) => mean(run.roles.entry.map((name) => usPerCommand(run, name)))),
    leaderUs: per((run) => (run.roles.leader === null ? Number.NaN : usPerCommand(run, run.roles.leader))),
    applyUs: per((run) => mean(run.roles.idleFollowers.map((name) => usPerCommand(run, name)))),
    natsUs: per((run) => usPerCommand(run, 'nats')),
    totalUs: per((run) => Object.keys(run.cpuSeconds).filter((name) => name !== 'embedded').reduce((sum, name) => sum + usPerCommand(run, name), 0)),
  };
}

export interface Projection {
  nodes: number;
  /** CPU per command summed over the cluster: routing once, journaling once, applying on every node. */
  clusterCpuUsPerCommand: number;
  /**
   * The most commands/s one log can take when the HTTP load is spread evenly: the busiest process is
   * the leader (journal + apply + its share of the HTTP work), each follower must keep up with applying.
   */
  writeCeilingPerSecond: number;
  /** Of each node's core, what is left for reads at that write rate (0: none). */
  readShareAtHalfCeiling: number;
}

/**
 * Arithmetic on the measured costs, not a measurement: the entry cost above applying (HTTP + routing)
 * is paid once per command on whichever node took it, the leader's extra (journaling) once, applying on
 * every node. One core per node.
 */
export function project(costs: RoleCosts, nodes: number): Projection {
  const routingUs = Math.max(0, costs.entryUs - costs.applyUs);
  const journalUs = Math.max(0, costs.leaderUs - costs.applyUs);
  const clusterCpuUsPerCommand = routingUs + journalUs + nodes * costs.applyUs;
  const leaderUs = costs.applyUs + journalUs + routingUs / nodes;
  const followerUs = costs.applyUs + routingUs / nodes;
  const busiestUs = Math.max(leaderUs, followerUs);
  const writeCeilingPerSecond = 1e6 / busiestUs;
  const readShareAtHalfCeiling = Math.max(0, 1 - (writeCeilingPerSecond / 2) * followerUs / 1e6);
  return { nodes, clusterCpuUsPerCommand: round(clusterCpuUsPerCommand, 1), writeCeilingPerSecond: round(writeCeilingPerSecond), readShareAtHalfCeiling: round(readShareAtHalfCeiling, 2) };
}
