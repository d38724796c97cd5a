/**
 * A room's admission log: every admission in the order it happened, as a hash chain. Each entry's hash
 * covers its own fields and the previous entry's hash, so removing, inserting, reordering or editing any
 * entry breaks every hash after it; the room signs the head (the last hash and the count), so the log as a
 * whole cannot be swapped for another.
 *
 *   hash = hex SHA-256 of the UTF-8 JSON { seq, entrantId, admittedAtMs, prev } (keys in that order)
 *   prev = the previous entry's hash; 64 zeros for the first
 *
 * The signed head is R1-style: base64url payload { v: 1, roomId, count, headHash } and its Ed25519 signature.
 */
import { createHash, sign, verify, type KeyObject } from 'node:crypto';

export interface AdmissionEntry {
  seq: number;
  entrantId: string;
  admittedAtMs: number;
  prev: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

export function entryHash(seq: number, entrantId: string, admittedAtMs: number, prev: string): string {
  return createHash('sha256').update(JSON.stringify({ seq, entrantId, admittedAtMs, prev }), 'utf8').digest('hex');
}

export class AdmissionLog {
  private readonly list: AdmissionEntry[] = [];

  append(entrantId: string, admittedAtMs: number): AdmissionEntry {
    const seq = this.list.length + 1;
    const prev = this.headHash();
    const entry = { seq, entrantId, admittedAtMs, prev, hash: entryHash(seq, entrantId, admittedAtMs, prev) };
    this.list.push(entry);
    return entry;
  }

  /**
   * The log as stored (a restart): entries in seq order, each linked to the one before. Their hashes are
   * taken as written (the store wrote what append computed); a broken link means the rows were tampered with.
   */
  restore(entries: Iterable<Omit<AdmissionEntry, 'prev'>>): void {
    if (this.list.length > 0) throw new Error('restore needs an empty admission log');
    for (const { seq, entrantId, admittedAtMs, hash } of entries) {
      if (seq !== this.list.length + 1) throw new Error(`admission log row ${seq} follows ${this.list.length}`);
      this.list.push({ seq, entrantId, admittedAtMs, prev: this.headHash(), hash });
    }
  }

  headHash(): string {
    return this.list.at(-1)?.hash ?? GENESIS_HASH;
  }

  get entries(): readonly AdmissionEntry[] {
    return this.list;
  }
}

export interface LogHead { roomId: string; count: number; headHash: string }

export function signLogHead(head: LogHead, privateKey: KeyObject): string {
  const payload = Buffer.from(JSON.stringify({ v: 1, roomId: head.roomId, count: head.count, headHash: head.headHash }), 'utf8');
  return `${payload.toString('base64url')}.${sign(null, payload, privateKey).toString('base64url')}`;
}

/** The head a signed head says, or null when it does not verify with the key or is malformed. */
export function verifyLogHead(text: unknown, publicKey: KeyObject): LogHead | null {
  if (typeof text !== 'string' || text.length > 1_024) return null;
  const [encoded, signature, extra] = text.split('.');
  if (encoded === undefined || signature === undefined || extra !== undefined) return null;
  const payload = Buffer.from(encoded, 'base64url');
  try {
    if (!verify(null, payload, publicKey, Buffer.from(signature, 'base64url'))) return null;
    const head = JSON.parse(payload.toString('utf8')) as Partial<LogHead> & { v?: unknown };
    if (head.v !== 1 || typeof head.roomId !== 'string' || !Number.isSafeInteger(head.count) || typeof head.headHash !== 'string') return null;
    return { roomId: head.roomId, count: head.count as number, headHash: head.headHash };
  } catch {
    return null;
  }
}
