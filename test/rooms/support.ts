/** A room run end to end for the fairness tests: entrants, an opening, late arrivals, admissions. */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { PreQueue } from './pre-queue-model.js';
import type { RoomAuditBundle } from '../../src/rooms/fairness/verify-room.js';

export const ROOM_KEY: KeyObject = generateKeyPairSync('ed25519').privateKey;

export interface RoomRun { bundle: RoomAuditBundle; order: string[]; receipts: string[] }

/**
 * `entrants` join before the opening, `late` after it; the line is admitted in order, leaving out the fans
 * in `absent` (they left). Every entrant's receipt is in the bundle.
 */
export function runRoom(entrants: string[], late: string[] = [], absent: ReadonlySet<string> = new Set(), key: KeyObject = ROOM_KEY): RoomRun {
  const room = new PreQueue('room-1', key);
  entrants.forEach((id, i) => room.join(id, 1_000 + i));
  const receipts = room.open();
  late.forEach((id) => room.join(id, 5_000));
  let atMs = 10_000;
  for (const id of room.line()) if (!absent.has(id)) room.admit(id, atMs++);
  const bundle = room.bundle(receipts.map((r) => r.receipt));
  return { bundle, order: receipts.map((r) => r.entrantId), receipts: receipts.map((r) => r.receipt) };
}

export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
