/**
 * The independent check of a room's fairness, from what the room publishes (its audit bundle) and nothing
 * else: the seed matches the commitment published before the opening; the order follows from the seed and
 * the entrant list; the admission log is an unbroken chain whose head the room signed; the log admitted the
 * pre-queue in that order and the later arrivals after it in arrival order (a fan who left is simply absent);
 * and every receipt a fan holds is the room's, for this opening, at the place the order gives.
 *
 * What it cannot prove: that the list holds everyone who joined before the opening (a fan left out can show
 * their receipt; a fan never given one cannot), nor when each admission really happened.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { GENESIS_HASH, entryHash, verifyLogHead, type AdmissionEntry } from './admission-log.js';
import { commitmentOf, entrantsDigest, fairOrder } from './fair-order.js';
import { verifyReceipt } from './receipt.js';

export interface RoomAuditBundle {
  roomId: string;
  /** The room's Ed25519 public key: base64 of its SubjectPublicKeyInfo DER. */
  publicKey: string;
  commitment: string;
  /** Revealed after the opening: hex. */
  seed: string;
  /** The pre-queue's entrants, canonical (sorted, unique). */
  entrants: string[];
  /** Fans who joined after the opening, in arrival order. */
  lateArrivals?: string[];
  log: AdmissionEntry[];
  /** The signed head of the log (see admission-log.ts). */
  logHead: string;
  /** Receipts fans hold (any number of them, R1 strings). */
  receipts?: string[];
}

export interface RoomAuditReport {
  ok: boolean;
  violations: string[];
  entrants: number;
  admissions: number;
  receipts: number;
}

const MAX_LISTED_VIOLATIONS = 1_000;
const HEX_64 = /^[0-9a-f]{64}$/;

export function verifyRoomAudit(bundle: RoomAuditBundle): RoomAuditReport {
  const violations: string[] = [];
  const violate = (message: string): void => {
    if (violations.length < MAX_LISTED_VIOLATIONS) violations.push(message);
  };
  const entrants = Array.isArray(bundle.entrants) ? bundle.entrants : [];
  const late = Array.isArray(bundle.lateArrivals) ? bundle.lateArrivals : [];
  const log = Array.isArray(bundle.log) ? bundle.log : [];
  const receipts = Array.isArray(bundle.receipts) ? bundle.receipts : [];
  const report = (): RoomAuditReport => ({ ok: violations.length === 0, violations, entrants: entrants.length, admissions: log.length, receipts: receipts.length });

  let publicKey: KeyObject | null = null;
  try {
    publicKey = createPublicKey({ key: Buffer.from(String(bundle.publicKey), 'base64'), format: 'der', type: 'spki' });
  } catch {
    violate('the public key is not an SPKI DER key in base64');
  }

  // ---- the seed and the list
  if (typeof bundle.seed !== 'string' || !HEX_64.test(bundle.seed)) violate('the seed is not 32 bytes of hex');
  else if (commitmentOf(bundle.seed) !== bundle.commitment) violate(`the seed does not hash to the commitment published before the opening (${String(bundle.commitment)})`);
  for (let i = 1; i < entrants.length; i++) {
    if (!((entrants[i - 1] as string) < (entrants[i] as string))) {
      violate(`the entrant list is not sorted and unique at ${i}: ${JSON.stringify(entrants[i - 1])} then ${JSON.stringify(entrants[i])}`);
      break;
    }
  }
  const digest = entrantsDigest(entrants);
  const order = typeof bundle.seed === 'string' && HEX_64.test(bundle.seed) ? fairOrder(bundle.seed, entrants) : [];
  // Rank: the pre-queue's places first, then the later arrivals in arrival order.
  const rank = new Map<string, number>();
  order.forEach((id, index) => rank.set(id, index + 1));
  late.forEach((id, index) => {
    if (rank.has(id)) violate(`${id} is both an entrant and a late arrival (or arrived twice)`);
    else rank.set(id, order.length + index + 1);
  });

  // ---- the chain and its signed head
  let prev = GENESIS_HASH;
  let lastAtMs = Number.NEGATIVE_INFINITY;
  let lastRank = 0;
  let lastAdmitted = '';
  const admitted = new Set<string>();
  log.forEach((entry, index) => {
    const at = `log entry ${index + 1}`;
    if (entry?.seq !== index + 1) violate(`${at}: seq is ${String(entry?.seq)}`);
    if (entry?.prev !== prev) violate(`${at}: prev does not name the entry before it (an entry removed, inserted or moved)`);
    const hash = entryHash(entry?.seq, entry?.entrantId, entry?.admittedAtMs, entry?.prev);
    if (entry?.hash !== hash) violate(`${at}: its hash does not match its fields (edited)`);
    prev = typeof entry?.hash === 'string' ? entry.hash : '';
    if (!(entry?.admittedAtMs >= lastAtMs)) violate(`${at}: admitted at ${String(entry?.admittedAtMs)}, before the entry before it`);
    lastAtMs = entry?.admittedAtMs;
    // ---- the order of admission
    const id = entry?.entrantId;
    const place = rank.get(id);
    if (place === undefined) violate(`${at}: admits ${JSON.stringify(id)}, who neither entered the pre-queue nor arrived later`);
    else if (admitted.has(id)) violate(`${at}: admits ${id} a second time`);
    else if (place < lastRank) violate(`${at}: admits ${id} (place ${place}) after ${lastAdmitted} (place ${lastRank}): out of order`);
    if (place !== undefined && !admitted.has(id) && place > lastRank) {
      lastRank = place;
      lastAdmitted = id;
    }
    admitted.add(id);
  });
  if (publicKey !== null) {
    const head = verifyLogHead(bundle.logHead, publicKey);
    if (head === null) violate('the log head is not signed by the room key');
    else {
      if (head.roomId !== bundle.roomId) violate(`the log head is for room ${head.roomId}`);
      if (head.count !== log.length) violate(`the signed head counts ${head.count} admissions, the log has ${log.length} (entries removed or added at the end)`);
      if (head.headHash !== prev) violate('the signed head hash is not the last entry\'s hash');
    }
  }

  // ---- receipts
  if (publicKey !== null) {
    receipts.forEach((text, index) => {
      const at = `receipt ${index + 1}`;
      const parsed = verifyReceipt(text, publicKey);
      if (!parsed.ok) {
        violate(`${at}: ${parsed.problem}`);
        return;
      }
      const { receipt } = parsed;
      if (receipt.roomId !== bundle.roomId) violate(`${at}: for room ${receipt.roomId}`);
      if (receipt.commitment !== bundle.commitment) violate(`${at} of ${receipt.entrantId}: names another commitment (the seed was changed)`);
      if (receipt.entrantsDigest !== digest) violate(`${at} of ${receipt.entrantId}: names another entrant list (the list was changed)`);
      const place = rank.get(receipt.entrantId) ?? 0;
      if (place === 0 || place > order.length) violate(`${at}: ${receipt.entrantId} is not in the published entrant list`);
      else if (place !== receipt.place) violate(`${at}: ${receipt.entrantId} was given place ${receipt.place}, the order gives ${place}`);
    });
  }
  return report();
}
