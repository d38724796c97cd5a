import { describe, expect, it } from 'vitest';
import { decodeQueueImage, encodeQueueImage } from '../../src/persistence/queue-image.js';
import type { QueueTokenImage } from '../../src/persistence/store.js';

const T0 = Date.UTC(2030, 0, 1);

function tokens(): QueueTokenImage[] {
  return [
    { token: 'tok-active-0000000000000001', userId: 'ann', seq: 3, status: 'ACTIVE', issuedAtMs: T0, activeUntilMs: T0 + 600_000 },
    { token: 'tok-waiting-000000000000002', userId: 'björn 🎫', seq: 7, status: 'WAITING', issuedAtMs: T0 + 1, activeUntilMs: 0 },
    { token: 'x', userId: '', seq: 2 ** 40, status: 'WAITING', issuedAtMs: T0 + 2.5, activeUntilMs: 0 },
  ];
}

/** The reader hands out one refilled object: copy each step, as a consumer must. */
function copied(iterable: Iterable<QueueTokenImage>): QueueTokenImage[] {
  return [...iterable].length === 0 ? [] : Array.from(iterable, (token) => ({ ...token }));
}

describe('queue image', () => {
  it('given live tokens in seq order, when packed and read back, then every field comes back exactly', () => {
    const image = encodeQueueImage(tokens());
    expect(image.count).toBe(3);
    const decoded = decodeQueueImage(image);
    expect(decoded).not.toBeNull();
    expect(copied(decoded as Iterable<QueueTokenImage>)).toEqual(tokens());
    // Iterable more than once (each iteration starts at the first token).
    expect(copied(decoded as Iterable<QueueTokenImage>)).toEqual(tokens());
  });

  it('given many tokens with clock steps back and forth and huge seq gaps, when packed and read back, then they come back exactly', () => {
    const many: QueueTokenImage[] = [];
    let seq = 0;
    let issuedAtMs = T0;
    for (let i = 0; i < 5_000; i++) {
      seq += i % 97 === 0 ? 2 ** 33 + i : 1 + (i % 3);
      issuedAtMs += (i % 7) * 1_000 - 2_500; // steps backwards too
      const active = i % 11 === 0;
      many.push({ token: `t${i.toString(36)}-${'x'.repeat(i % 40)}`, userId: `fan-${i}`, seq, status: active ? 'ACTIVE' : 'WAITING', issuedAtMs, activeUntilMs: active ? issuedAtMs + 600_000 - i : 0 });
    }
    const image = encodeQueueImage(many);
    expect(image.numbers.length).toBeLessThan(many.length * 12);
    expect(copied(decodeQueueImage(image) as Iterable<QueueTokenImage>)).toEqual(many);
  });

  it('given an empty room, when packed and read back, then it holds no token', () => {
    const decoded = decodeQueueImage(encodeQueueImage([]));
    expect(decoded === null ? null : copied(decoded)).toEqual([]);
  });

  it('given tokens out of seq order, when packed, then it refuses', () => {
    expect(() => encodeQueueImage([...tokens()].reverse())).toThrow(/seq order/);
  });

  it('given an image that does not hold together, when read, then it is refused (recovery reads the rows)', () => {
    const image = encodeQueueImage(tokens());
    expect(decodeQueueImage({ ...image, strings: `${image.strings}!` })).toBeNull();
    expect(decodeQueueImage({ ...image, count: 2 })).toBeNull();
    expect(decodeQueueImage({ ...image, numbers: image.numbers.subarray(0, image.numbers.length - 1) })).toBeNull();
    const otherVersion = Buffer.from(image.numbers);
    otherVersion.writeUInt32LE(99, 0);
    expect(decodeQueueImage({ ...image, numbers: otherVersion })).toBeNull();
  });
});
