/**
 * The verifier against honest rooms and tampered ones: an honest bundle always passes (fans absent from the
 * log included); a changed seed, list, log entry, order of admission or receipt is always caught.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entryHash, signLogHead } from '../../src/rooms/fairness/admission-log.js';
import { newSeed } from '../../src/rooms/fairness/fair-order.js';
import { verifyRoomAudit } from '../../src/rooms/fairness/verify-room.js';
import { signReceipt, verifyReceipt } from '../../src/rooms/fairness/receipt.js';
import { clone, ROOM_KEY, runRoom } from './support.js';

const entrantSets = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 3, maxLength: 40 });
const RUNS = { numRuns: 60 };

describe('the room verifier', () => {
  it('passes every honest room, whoever left the line', () => {
    fc.assert(fc.property(entrantSets, fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }), (entrants, leaves) => {
      const absent = new Set(entrants.filter((_, i) => leaves[i]));
      const { bundle } = runRoom(entrants, ['late-1', 'late-2'], absent);
      const report = verifyRoomAudit(bundle);
      expect(report.violations).toEqual([]);
      expect(report.ok).toBe(true);
    }), RUNS);
  });

  it('catches a seed changed after the opening', () => {
    fc.assert(fc.property(entrantSets, (entrants) => {
      const { bundle } = runRoom(entrants);
      expect(verifyRoomAudit({ ...bundle, seed: newSeed() }).violations.join()).toMatch(/does not hash to the commitment/);
    }), RUNS);
  });

  it('catches an entrant added to the list, which every receipt contradicts', () => {
    fc.assert(fc.property(entrantSets, (entrants) => {
      const { bundle } = runRoom(entrants);
      const tampered = { ...bundle, entrants: [...bundle.entrants, '\uffffadded'] };
      expect(verifyRoomAudit(tampered).violations.join()).toMatch(/names another entrant list/);
    }), RUNS);
  });

  it('catches two admissions swapped, an entry edited, an entry removed, even when the chain is rebuilt and re-signed', () => {
    fc.assert(fc.property(entrantSets, fc.nat(), (entrants, pick) => {
      const { bundle } = runRoom(entrants);
      const i = pick % (bundle.log.length - 1);
      const swapped = clone(bundle);
      [swapped.log[i], swapped.log[i + 1]] = [swapped.log[i + 1]!, swapped.log[i]!];
      expect(verifyRoomAudit(swapped).ok).toBe(false);

      const edited = clone(bundle);
      edited.log[i]!.admittedAtMs += 1;
      expect(verifyRoomAudit(edited).violations.join()).toMatch(/hash does not match/);

      const removed = clone(bundle);
      removed.log.splice(i, 1);
      expect(verifyRoomAudit(removed).ok).toBe(false);

      // The room rebuilds a valid chain in an unfair order and signs it: the order itself is the violation.
      const unfair = clone(bundle);
      const ids = unfair.log.map((e) => e.entrantId);
      [ids[i], ids[i + 1]] = [ids[i + 1]!, ids[i]!];
      let prev = '0'.repeat(64);
      unfair.log = ids.map((entrantId, k) => {
        const entry = { seq: k + 1, entrantId, admittedAtMs: 10_000 + k, prev, hash: entryHash(k + 1, entrantId, 10_000 + k, prev) };
        prev = entry.hash;
        return entry;
      });
      unfair.logHead = signLogHead({ roomId: unfair.roomId, count: unfair.log.length, headHash: prev }, ROOM_KEY);
      expect(verifyRoomAudit(unfair).violations.join()).toMatch(/out of order/);
    }), RUNS);
  });

  it('catches a receipt with its place changed, a forged one, and a log head signed by another key', () => {
    fc.assert(fc.property(entrantSets, fc.nat(), (entrants, pick) => {
      const { bundle, receipts } = runRoom(entrants);
      const original = receipts[pick % receipts.length]!;
      const parsed = verifyReceipt(original, (generateKeyPairSync('ed25519').publicKey));
      expect(parsed.ok).toBe(false);
      const honest = verifyReceipt(original, createPublicKey(ROOM_KEY));
      if (!honest.ok) throw new Error(honest.problem);
      const moved = signReceipt({ ...honest.receipt, place: honest.receipt.place === 1 ? 2 : 1 }, ROOM_KEY);
      expect(verifyRoomAudit({ ...bundle, receipts: [moved] }).violations.join()).toMatch(/was given place/);
      const forged = signReceipt(honest.receipt, generateKeyPairSync('ed25519').privateKey);
      expect(verifyRoomAudit({ ...bundle, receipts: [forged] }).violations.join()).toMatch(/does not verify/);
      const foreignHead = signLogHead({ roomId: bundle.roomId, count: bundle.log.length, headHash: bundle.log.at(-1)!.hash }, generateKeyPairSync('ed25519').privateKey);
      expect(verifyRoomAudit({ ...bundle, logHead: foreignHead }).violations.join()).toMatch(/not signed by the room key/);
    }), { numRuns: 20 });
  });
});
