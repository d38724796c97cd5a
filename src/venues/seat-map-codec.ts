/**
 * A compact live map for venues up to 80,000 seats: a snapshot packs 2 bits per seat index (SEAT_STATUS
 * values 0..3), so 80,000 seats are 20,000 bytes, 26,668 base64 characters, instead of 80,000 JSON objects.
 * Deltas are flat [index, status, index, status, ...] lists, one per batch.
 */
import { SEAT_STATUS, type SeatStatusCode } from './seat-status.js';

export interface SeatMapSnapshot {
  layoutVersion: number;
  seatCount: number;
  /** base64 of 4 seats per byte, seat i in bits 2*(i%4)..2*(i%4)+1 of byte i>>2. */
  statusBase64: string;
}

/** [seatIndex, status, seatIndex, status, ...] */
export type SeatMapDelta = number[];

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; message: string };

export function encodeSnapshot(layoutVersion: number, status: Uint8Array): SeatMapSnapshot {
  const packed = new Uint8Array(Math.ceil(status.length / 4));
  for (let i = 0; i < status.length; i++) packed[i >> 2]! |= (status[i]! & 3) << ((i & 3) * 2);
  return { layoutVersion, seatCount: status.length, statusBase64: Buffer.from(packed).toString('base64') };
}

/** Refuses a snapshot of another layout version or a length that does not match its seat count. */
export function decodeSnapshot(snapshot: SeatMapSnapshot, expectedLayoutVersion: number): DecodeResult<Uint8Array> {
  if (snapshot.layoutVersion !== expectedLayoutVersion) return { ok: false, message: `snapshot of layout version ${snapshot.layoutVersion}, expected ${expectedLayoutVersion}` };
  if (!Number.isInteger(snapshot.seatCount) || snapshot.seatCount < 0) return { ok: false, message: 'bad seat count' };
  const packed = Buffer.from(snapshot.statusBase64, 'base64');
  if (packed.length !== Math.ceil(snapshot.seatCount / 4)) return { ok: false, message: `expected ${Math.ceil(snapshot.seatCount / 4)} bytes, got ${packed.length}` };
  const status = new Uint8Array(snapshot.seatCount);
  for (let i = 0; i < status.length; i++) status[i] = (packed[i >> 2]! >> ((i & 3) * 2)) & 3;
  return { ok: true, value: status };
}

export function encodeDelta(changes: ReadonlyArray<readonly [number, SeatStatusCode]>): SeatMapDelta {
  return changes.flatMap(([index, status]) => [index, status]);
}

export function decodeDelta(delta: unknown, seatCount: number): DecodeResult<Array<[number, SeatStatusCode]>> {
  if (!Array.isArray(delta) || delta.length % 2 !== 0) return { ok: false, message: 'a delta is an even-length array' };
  const out: Array<[number, SeatStatusCode]> = [];
  for (let k = 0; k < delta.length; k += 2) {
    const index: unknown = delta[k];
    const status: unknown = delta[k + 1];
    if (!Number.isInteger(index) || (index as number) < 0 || (index as number) >= seatCount) return { ok: false, message: `bad seat index at ${k}` };
    if (!Number.isInteger(status) || (status as number) < SEAT_STATUS.AVAILABLE || (status as number) > SEAT_STATUS.HELD_BACK) return { ok: false, message: `bad status at ${k + 1}` };
    out.push([index as number, status as SeatStatusCode]);
  }
  return { ok: true, value: out };
}

/** Applies a decoded delta to a status array in place (the page's copy of the map). */
export function applyDelta(status: Uint8Array, changes: ReadonlyArray<readonly [number, SeatStatusCode]>): void {
  for (const [index, value] of changes) status[index] = value;
}
