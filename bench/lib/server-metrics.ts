/**
 * The real server's own view of a run, from GET /metrics before and after it: how many group commits,
 * how long they blocked the event loop (better-sqlite3 is synchronous), how many commands each carried.
 */
import { HttpClient } from './http-client.js';
import type { ServerProcess } from './processes.js';
import { round } from './stats.js';

export interface CommitCounters {
  commits: number;
  commitSeconds: number;
  commands: number;
  /** Cumulative count of commits at or under each bucket bound (seconds). */
  buckets: Map<number, number>;
}

export interface CommitStats {
  commitsPerSecond: number;
  meanCommitMs: number;
  meanCommandsPerCommit: number;
  /** Share of the run's wall time the event loop spent inside commits. */
  commitShareOfWall: number;
  /** Share of commits slower than 10 ms and 50 ms (from the histogram's bucket bounds). */
  over10msShare: number;
  over50msShare: number;
}

function sample(text: string, name: string): number {
  const match = new RegExp(`^${name} ([0-9.eE+-]+)$`, 'm').exec(text);
  return match?.[1] === undefined ? 0 : Number(match[1]);
}

export async function readCommitCounters(server: ServerProcess): Promise<CommitCounters> {
  const client = new HttpClient(server.baseUrl, 1);
  try {
    const response = await client.request<string>('GET', '/metrics');
    const text = String(response.body);
    const buckets = new Map<number, number>();
    for (const match of text.matchAll(/^journal_commit_duration_seconds_bucket\{le="([^"]+)"\} ([0-9.eE+-]+)$/gm)) {
      const bound = match[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(match[1]);
      buckets.set(bound, Number(match[2]));
    }
    return {
      commits: sample(text, 'journal_commit_duration_seconds_count'),
      commitSeconds: sample(text, 'journal_commit_duration_seconds_sum'),
      commands: sample(text, 'journal_batch_commands_sum'),
      buckets,
    };
  } finally {
    client.close();
  }
}

function countOver(before: CommitCounters, after: CommitCounters, boundSeconds: number): number {
  const total = after.commits - before.commits;
  const atOrUnder = (after.buckets.get(boundSeconds) ?? 0) - (before.buckets.get(boundSeconds) ?? 0);
  return total - atOrUnder;
}

export function commitStats(before: CommitCounters, after: CommitCounters, wallSeconds: number): CommitStats {
  const commits = after.commits - before.commits;
  const seconds = after.commitSeconds - before.commitSeconds;
  const commands = after.commands - before.commands;
  return {
    commitsPerSecond: round(commits / wallSeconds),
    meanCommitMs: commits === 0 ? 0 : round((seconds / commits) * 1000, 3),
    meanCommandsPerCommit: commits === 0 ? 0 : round(commands / commits, 1),
    commitShareOfWall: round(seconds / wallSeconds, 3),
    over10msShare: commits === 0 ? 0 : round(countOver(before, after, 0.01) / commits, 4),
    over50msShare: commits === 0 ? 0 : round(countOver(before, after, 0.05) / commits, 4),
  };
}
