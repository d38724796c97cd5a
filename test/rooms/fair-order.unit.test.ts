import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { commitmentOf, compareLeads, entrantsDigest, fairOrder, hmacSha256With, keyedEntrant, leadOf, newSeed, orderKey } from '../../src/rooms/fairness/fair-order.js';
import { verifyReceipt } from '../../src/rooms/fairness/receipt.js';
import { createPublicKey } from 'node:crypto';
import { ROOM_KEY, runRoom } from './support.js';

const ids = Array.from({ length: 50 }, (_, i) => `tok_${i}`);

describe('the pre-queue order', () => {
  it('is a permutation of the entrants, the same for the same seed whatever the input order, another for another seed', () => {
    const seed = newSeed();
    const order = fairOrder(seed, ids);
    expect([...order].sort()).toEqual([...ids].sort());
    expect(fairOrder(seed, [...ids].reverse())).toEqual(order);
    expect(fairOrder(newSeed(), ids)).not.toEqual(order);
  });

  it('is the entrants sorted by HMAC-SHA256(seed, id), as an independent verifier computes it', () => {
    const seed = newSeed();
    const byHand = [...ids].sort((a, b) => {
      const ka = createHmac('sha256', Buffer.from(seed, 'hex')).update(a).digest('hex');
      const kb = createHmac('sha256', Buffer.from(seed, 'hex')).update(b).digest('hex');
      return ka < kb ? -1 : 1;
    });
    expect(fairOrder(seed, ids)).toEqual(byHand);
    const hmac = hmacSha256With(Buffer.from(seed, 'hex'));
    for (const id of ['a', 'ü-ñ', 'x'.repeat(300)]) expect(hmac(id)).toBe(orderKey(seed, id));
  });

  it('publishes a commitment that is the seed\'s SHA-256, and a digest of the list that any change alters', () => {
    const seed = '00'.repeat(32);
    expect(commitmentOf(seed)).toBe('66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925');
    expect(entrantsDigest(['a', 'b'])).not.toBe(entrantsDigest(['a', 'b', 'c']));
    expect(entrantsDigest(['a\nb'])).not.toBe(entrantsDigest(['a', 'b']));
  });

  it('gives each entrant a receipt signed by the room that names its place, the commitment and the list', () => {
    const { bundle, order, receipts } = runRoom(ids);
    const publicKey = createPublicKey(ROOM_KEY);
    receipts.forEach((text, index) => {
      const parsed = verifyReceipt(text, publicKey);
      expect(parsed).toMatchObject({ ok: true, receipt: { roomId: 'room-1', entrantId: order[index], place: index + 1, commitment: bundle.commitment, entrantsDigest: entrantsDigest(bundle.entrants) } });
    });
    for (const garbage of ['', 'R1', 'R1.a.b', `R2.${receipts[0]!.slice(3)}`, 'x'.repeat(2_000), 42, null]) {
      expect(verifyReceipt(garbage, publicKey).ok).toBe(false);
    }
  });
});

describe('the order from the keys\' leads (what a room keeps of each entrant as it joins)', () => {
  const seed = 'ab'.repeat(32);
  const hmac = hmacSha256With(Buffer.from(seed, 'hex'));

  it('sorts as fairOrder does', () => {
    const ids = Array.from({ length: 500 }, (_, i) => `e${i}`);
    const byLeads = ids.map((id) => ({ id, lead: leadOf(hmac(id)) })).sort((a, b) => compareLeads(a, b, hmac)).map((e) => e.id);
    expect(byLeads).toEqual(fairOrder(seed, ids));
  });

  it('settles equal leads by the whole keys, then by id, as compareKeyed does', () => {
    const [a, b] = [keyedEntrant(hmac, 'x1'), keyedEntrant(hmac, 'x2')];
    // Leads forced equal (a clash of 48 bits is too rare to meet by chance): the whole keys decide.
    expect(Math.sign(compareLeads({ id: 'x1', lead: 7 }, { id: 'x2', lead: 7 }, hmac))).toBe(a.key < b.key ? -1 : 1);
    expect(compareLeads({ id: 'x1', lead: 7 }, { id: 'x1', lead: 7 }, hmac)).toBe(0);
  });
});

