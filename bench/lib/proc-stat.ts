/**
 * CPU time and resident memory of any process by pid, from /proc (Linux): for processes this harness
 * did not start through startProcess (the nats-servers), and for per-process accounting of a cluster.
 */
import { readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = 100;
const PAGE_BYTES = 4096;

function statFields(pid: number): string[] | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** utime + stime so far, in seconds (0 when the process is gone). */
export function cpuSecondsOf(pid: number): number {
  const fields = statFields(pid);
  return fields === null ? 0 : (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** Resident set size now, in bytes (0 when the process is gone). */
export function rssBytesOf(pid: number): number {
  const fields = statFields(pid);
  return fields === null ? 0 : Number(fields[21]) * PAGE_BYTES;
}
