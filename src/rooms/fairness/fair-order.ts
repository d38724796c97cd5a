/**
 * The order of a pre-queue: fans who joined a room before it opened are placed, at the opening, in an order
 * nobody could know or steer beforehand, and that anybody can recompute afterwards.
 *
 * Commit-reveal: before the opening the room publishes `commitment = SHA-256(seed)` for a 32-byte random seed;
 * at the opening the list of entrants is closed and each is given the key HMAC-SHA256(seed, entrantId); the
 * order is the keys ascending (bytes as hex; equal keys, which SHA-256 makes vanishingly unlikely, by id). After
 * the opening the seed is revealed: with it and the published list, the order is a few lines of code anywhere.
 * Pure: no clock, no I/O; the seed's randomness is the caller's (injectable).
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';

export const SEED_BYTES = 32;

/** A fresh seed, hex. */
export function newSeed(random: (size: number) => Buffer = randomBytes): string {
  return random(SEED_BYTES).toString('hex');
}

/** What the room publishes before the opening: hex SHA-256 of the seed's bytes. */
export function commitmentOf(seedHex: string): string {
  return createHash('sha256').update(Buffer.from(seedHex, 'hex')).digest('hex');
}

/** The published entrant list, canonical: ids sorted (code-unit order) and unique, so it says nothing of the order. */
export function canonicalEntrants(entrantIds: Iterable<string>): string[] {
  // The default sort compares UTF-16 code units, as compareIds does, natively: a third of the time at 100,000.
  return [...new Set(entrantIds)].sort();
}

/**
 * Hex SHA-256 of the canonical list as JSON (an array of strings, no spaces): what receipts name, so a list
 * changed later is caught. JSON, not a separator, so that no id can pass for two.
 */
export function entrantsDigest(canonical: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify(canonical), 'utf8').digest('hex');
}

/** The entrant's key under the seed: hex HMAC-SHA256(seed bytes, UTF-8 id). */
export function orderKey(seedHex: string, entrantId: string): string {
  return createHmac('sha256', Buffer.from(seedHex, 'hex')).update(entrantId, 'utf8').digest('hex');
}

/**
 * The pre-queue's order, first place first. Each key is computed once (100,000 entrants: one HMAC each,
 * then one sort); the input's order does not matter.
 */
export function fairOrder(seedHex: string, entrantIds: Iterable<string>): string[] {
  const hmac = hmacSha256With(Buffer.from(seedHex, 'hex'));
  const keyed = canonicalEntrants(entrantIds).map((id) => keyedEntrant(hmac, id));
  keyed.sort(compareKeyed);
  return keyed.map((entry) => entry.id);
}

/** An entrant with its order key, and the key's first 48 bits as a number (most comparisons end there). */
export interface KeyedEntrant { readonly id: string; readonly key: string; readonly lead: number }

/** `hmac`: hmacSha256With(seed bytes). */
export function keyedEntrant(hmac: (message: string) => string, id: string): KeyedEntrant {
  const key = hmac(id);
  return { id, key, lead: leadOf(key) };
}

/** A key's first 48 bits as a number: what a room keeps of each entrant's key as it joins, so its opening only sorts. */
export function leadOf(key: string): number {
  return Number.parseInt(key.slice(0, 12), 16);
}

/**
 * compareKeyed for entrants kept with their leads only: the lead decides, and the rare equal leads (about one
 * pair in 2^48 / n) are settled by the whole keys, computed again.
 */
export function compareLeads(a: { id: string; lead: number }, b: { id: string; lead: number }, hmac: (message: string) => string): number {
  if (a.lead !== b.lead) return a.lead - b.lead;
  return compareKeyed(keyedEntrant(hmac, a.id), keyedEntrant(hmac, b.id));
}

/** Keys ascending (as hex strings: the lead decides unless equal), equal keys by id: the order's one comparison. */
export function compareKeyed(a: KeyedEntrant, b: KeyedEntrant): number {
  if (a.lead !== b.lead) return a.lead - b.lead;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : compareIds(a.id, b.id);
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const BLOCK_BYTES = 64;

/**
 * HMAC-SHA256 under one key for many messages (RFC 2104, as createHmac computes it): the padded key's two
 * hash states are computed once and copied per message, which halves the cost of a keyed sort.
 */
export function hmacSha256With(key: Buffer): (message: string) => string {
  const block = Buffer.alloc(BLOCK_BYTES);
  (key.length > BLOCK_BYTES ? createHash('sha256').update(key).digest() : key).copy(block);
  const inner = createHash('sha256').update(block.map((byte) => byte ^ 0x36));
  const outer = createHash('sha256').update(block.map((byte) => byte ^ 0x5c));
  return (message) => outer.copy().update(inner.copy().update(message, 'utf8').digest()).digest('hex');
}
