/**
 * Random bytes every replica draws alike: each log entry carries a fresh 32-byte seed from the leader
 * (crypto-strong), and the bytes drawn while the entry applies are SHA-256 of (seed, counter). Ids and
 * queue-token secrets minted by a command are therefore the same on every node, and unguessable to
 * anyone outside the cluster.
 */
import { createHash, randomBytes } from 'node:crypto';

export const SEED_BYTES = 32;

export function newSeed(): string {
  return randomBytes(SEED_BYTES).toString('base64');
}

export class SeededRandom {
  private seed: Buffer = Buffer.alloc(SEED_BYTES);
  private counter = 0;
  private buffered: Buffer = Buffer.alloc(0);

  reseed(seed: string): void {
    this.seed = Buffer.from(seed, 'base64');
    this.counter = 0;
    this.buffered = Buffer.alloc(0);
  }

  bytes(size: number): Buffer {
    while (this.buffered.length < size) {
      const block = createHash('sha256').update(this.seed).update(String(this.counter++)).digest();
      this.buffered = Buffer.concat([this.buffered, block]);
    }
    const out = this.buffered.subarray(0, size);
    this.buffered = this.buffered.subarray(size);
    return Buffer.from(out);
  }
}
