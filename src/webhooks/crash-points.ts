/**
 * Crash points for the tests that kill the server around a webhook delivery: a process started with
 * WEBHOOK_CRASH_POINTS kills itself (SIGKILL, as the kernel would) at the named point of its first delivery
 * attempt, once (a marker file says it happened). Unset, as in any deployment, every point is a no-op.
 *
 *   WEBHOOK_CRASH_POINTS=before-delivery:/tmp/x/before,after-delivery:/tmp/x/after
 */
import { existsSync, writeFileSync } from 'node:fs';

/** `before-delivery`: the event is committed and not sent. `after-delivery`: the receiver answered, nothing recorded. */
export type WebhookCrashPoint = 'before-delivery' | 'after-delivery';

const POINTS: readonly WebhookCrashPoint[] = ['before-delivery', 'after-delivery'];

function parse(spec: string | undefined): Array<{ point: WebhookCrashPoint; markerPath: string }> {
  if (spec === undefined || spec.trim() === '') return [];
  return spec.split(',').map((item) => {
    const at = item.indexOf(':');
    const point = item.slice(0, at) as WebhookCrashPoint;
    const markerPath = item.slice(at + 1);
    if (at < 0 || !POINTS.includes(point) || markerPath === '') throw new Error(`WEBHOOK_CRASH_POINTS: "${item}" is not point:markerPath`);
    return { point, markerPath };
  });
}

const armed = parse(process.env['WEBHOOK_CRASH_POINTS']);

export function webhookCrashPoint(point: WebhookCrashPoint, eventSequence: number): void {
  if (armed.length === 0) return;
  for (const crash of armed) {
    if (crash.point !== point || existsSync(crash.markerPath)) continue;
    writeFileSync(crash.markerPath, `${process.pid} ${eventSequence}\n`);
    process.kill(process.pid, 'SIGKILL');
  }
}
