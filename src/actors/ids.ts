/**
 * Opaque ids that sort by creation time: a hex millisecond timestamp, then random bits. Every table
 * keyed or indexed by an id then grows at its right edge, so a commit dirties a few B-tree pages instead
 * of one random leaf per row (measured: random keys made the archive and ledger inserts the bulk of a
 * commit's pages). Hex, not base64url, because SQLite compares text bytewise and base64url's alphabet is
 * not in byte order.
 */
export type RandomBytes = (size: number) => Buffer;

function timePrefix(nowMs: number): string {
  return Math.max(0, Math.floor(nowMs)).toString(16).padStart(12, '0');
}

/** `res_0193...` : 48-bit time + 80 random bits. */
export function timeOrderedId(prefix: string, nowMs: number, random: RandomBytes): string {
  return `${prefix}_${timePrefix(nowMs)}${random(10).toString('base64url')}`;
}

/** A bearer secret: 128 random bits (unguessable on their own), after a time prefix for index locality. */
export function timeOrderedSecret(nowMs: number, random: RandomBytes): string {
  return `${timePrefix(nowMs)}${random(16).toString('base64url')}`;
}
