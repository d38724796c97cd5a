/**
 * Crash points for the tests that kill a payment at each step of its way through the cluster: a node
 * started with CLUSTER_CRASH_POINTS kills itself (SIGKILL, as the kernel would) at the named point
 * when the batch holds a payment of the named user, once for the whole cluster (a marker file says it
 * happened). Unset, as in any deployment, every point is a no-op.
 *
 *   CLUSTER_CRASH_POINTS=after-append:fan-a:/tmp/x/after-append,after-forward:fan-c:/tmp/x/after-forward
 */
import { existsSync, writeFileSync } from 'node:fs';
import type { CommandEnvelope } from './log-entry.js';

export type CrashPoint =
  /** The leader took the payment and dies before appending it. */
  | 'before-append'
  /** The leader appended it (a quorum holds it) and dies before anyone applied it. */
  | 'after-append'
  /** The node that took it from the fan forwarded it and dies before its answer. */
  | 'after-forward';

interface Armed { point: CrashPoint; userId: string; markerPath: string }

const POINTS: readonly CrashPoint[] = ['before-append', 'after-append', 'after-forward'];

function parse(spec: string | undefined): Armed[] {
  if (spec === undefined || spec.trim() === '') return [];
  return spec.split(',').map((item) => {
    const [point, userId, markerPath] = item.split(':');
    if (!POINTS.includes(point as CrashPoint) || userId === undefined || markerPath === undefined) {
      throw new Error(`CLUSTER_CRASH_POINTS: "${item}" is not point:userId:markerPath`);
    }
    return { point: point as CrashPoint, userId, markerPath };
  });
}

const armed = parse(process.env['CLUSTER_CRASH_POINTS']);
/** Whether any point is armed (a test run): callers skip what only a crash point needs. */
export const crashPointsArmed = armed.length > 0;

export function crashPoint(point: CrashPoint, envelopes: readonly CommandEnvelope[]): void {
  if (armed.length === 0) return;
  for (const crash of armed) {
    if (crash.point !== point || existsSync(crash.markerPath)) continue;
    const hit = envelopes.some(({ command }) => command.kind === 'pay' && command.args.userId === crash.userId);
    if (!hit) continue;
    writeFileSync(crash.markerPath, `${process.pid}\n`);
    process.kill(process.pid, 'SIGKILL');
  }
}
