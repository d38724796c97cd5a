/**
 * The load driver's record: one JSON line per request it sends ("sent", before sending) and per 2xx
 * answer it receives ("ack", after receiving). Lines are written synchronously, so whatever was
 * acknowledged before a kill is on disk when the auditor reads the file.
 */
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';

export type Operation = 'queue.join' | 'queue.status' | 'queue.leave' | 'hold' | 'cancel' | 'charge' | 'pay' | 'checkin' | 'refund' | 'waitlist.join' | 'waitlist.leave';

/** Operations that change state (their acknowledgement promises durability). */
export const WRITE_OPERATIONS: ReadonlySet<Operation> = new Set(['queue.join', 'queue.leave', 'hold', 'cancel', 'charge', 'pay', 'checkin', 'refund', 'waitlist.join', 'waitlist.leave']);

export interface SentLine {
  kind: 'sent';
  id: string;
  at: number;
  user: string;
  op: Operation;
  key?: string;
  body?: unknown;
  /** The reservationId (cancel, pay, refund), queue token (status, leave), ticketId (checkin) or scheduleId (waitlist) the request names. */
  target?: string;
  /** The X-Queue-Token sent with a queue-gated request. */
  queueToken?: string;
}

export interface AckLine {
  kind: 'ack';
  id: string;
  at: number;
  user: string;
  op: Operation;
  status: number;
  body: unknown;
  replayed: boolean;
  key?: string;
  reqBody?: unknown;
  target?: string;
  queueToken?: string;
}

export type RecordLine = SentLine | AckLine;

export class RecordWriter {
  private readonly fd: number;

  constructor(path: string) {
    this.fd = openSync(path, 'a');
  }

  write(line: RecordLine): void {
    writeSync(this.fd, `${JSON.stringify(line)}\n`);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Every complete line of the record (a line cut by a kill of the driver itself is skipped). */
export function readRecord(path: string): RecordLine[] {
  if (!existsSync(path)) return [];
  const lines: RecordLine[] = [];
  for (const text of readFileSync(path, 'utf8').split('\n')) {
    if (text === '') continue;
    try {
      lines.push(JSON.parse(text) as RecordLine);
    } catch { /* torn last line */ }
  }
  return lines;
}
