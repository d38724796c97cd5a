/**
 * The pre-queue scheme as a small pure model, for the verifier's tests: entrants gathered before the opening
 * under a published commitment, the order fixed at the opening with a signed receipt for each entrant, later
 * arrivals after them in arrival order, an admission log, and the audit bundle (which verify-room.ts checks).
 * The engine runs the scheme in src/rooms/room-actor.ts; this model builds honest bundles to tamper with.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { AdmissionLog, signLogHead } from '../../src/rooms/fairness/admission-log.js';
import { canonicalEntrants, commitmentOf, entrantsDigest, fairOrder, newSeed } from '../../src/rooms/fairness/fair-order.js';
import { signReceipt } from '../../src/rooms/fairness/receipt.js';
import type { RoomAuditBundle } from '../../src/rooms/fairness/verify-room.js';

export class PreQueue {
  readonly commitment: string;
  private readonly seed: string;
  private readonly joinedAt = new Map<string, number>();
  private readonly late: string[] = [];
  private order: string[] | null = null;
  private readonly log = new AdmissionLog();

  constructor(readonly roomId: string, private readonly privateKey: KeyObject, random?: (size: number) => Buffer) {
    this.seed = newSeed(random);
    this.commitment = commitmentOf(this.seed);
  }

  get opened(): boolean {
    return this.order !== null;
  }

  /** Before the opening: an entrant (joining twice keeps the first time). After: a late arrival, in arrival order. */
  join(entrantId: string, atMs: number): void {
    if (this.order === null) {
      if (!this.joinedAt.has(entrantId)) this.joinedAt.set(entrantId, atMs);
    } else if (!this.joinedAt.has(entrantId) && !this.late.includes(entrantId)) {
      this.late.push(entrantId);
    }
  }

  /** Closes the list and fixes the order; returns each entrant's signed receipt, in order. */
  open(): Array<{ entrantId: string; place: number; receipt: string }> {
    if (this.order !== null) throw new Error(`room ${this.roomId} opened twice`);
    this.order = fairOrder(this.seed, this.joinedAt.keys());
    const digest = entrantsDigest(canonicalEntrants(this.joinedAt.keys()));
    return this.order.map((entrantId, index) => ({
      entrantId,
      place: index + 1,
      receipt: signReceipt({ roomId: this.roomId, entrantId, place: index + 1, commitment: this.commitment, entrantsDigest: digest, joinedAtMs: this.joinedAt.get(entrantId) ?? 0 }, this.privateKey),
    }));
  }

  /** The line after the opening: the pre-queue in its order, then the late arrivals. */
  line(): string[] {
    if (this.order === null) throw new Error(`room ${this.roomId} is not open`);
    return [...this.order, ...this.late];
  }

  admit(entrantId: string, atMs: number): void {
    this.log.append(entrantId, atMs);
  }

  /** What the room publishes once the sale is over; the seed is revealed here. */
  bundle(receipts: string[] = []): RoomAuditBundle {
    if (this.order === null) throw new Error(`room ${this.roomId} is not open`);
    const entries = this.log.entries;
    return {
      roomId: this.roomId,
      publicKey: createPublicKey(this.privateKey).export({ format: 'der', type: 'spki' }).toString('base64'),
      commitment: this.commitment,
      seed: this.seed,
      entrants: canonicalEntrants(this.joinedAt.keys()),
      lateArrivals: [...this.late],
      log: entries.map((entry) => ({ ...entry })),
      logHead: signLogHead({ roomId: this.roomId, count: entries.length, headHash: this.log.headHash() }, this.privateKey),
      receipts,
    };
  }
}
