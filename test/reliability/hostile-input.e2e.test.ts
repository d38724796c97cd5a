/**
 * Hostile input: for every route in /openapi.json, requests with at least one invalid part (auth, queue
 * token, admin key, path, query, body, Idempotency-Key, content type) drawn by fast-check. Every answer
 * is a 4xx in the contract's error shape, within a deadline, and the state digest (journal length on
 * disk, ledger accounts, stats, seat map, wallets, reservations, queue) is the same after as before.
 */
import fc from 'fast-check';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ADMIN_KEY, TEST_AUTH_SECRET } from '../helpers/build-test-app.js';
import { buildFixture, errorShapeProblems, type Fixture } from './support/app-fixture.js';
import {
  anyText, badAuthorizations, badIdempotencyKeys, badMoney, genericBadBodies, longText, notANumber, type BadBody,
} from './support/hostile-values.js';

const RUNS_PER_ROUTE = Number(process.env['HOSTILE_RUNS'] ?? 120);
const ANSWER_DEADLINE_MS = 5_000;

type Slot = 'auth' | 'queueToken' | 'adminKey' | 'idempotencyKey' | 'body' | `path:${string}` | `query:${string}`;

interface ValidRequest { params: Record<string, string>; query: Record<string, string>; body?: unknown }

interface RouteSpec {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  valid(fx: Fixture): ValidRequest;
  params?: Record<string, fc.Arbitrary<string>>;
  query?: Record<string, fc.Arbitrary<string | readonly string[]>>;
  body?: fc.Arbitrary<BadBody>;
}

let fx: Fixture;
let badInputs = 0;

const otherIds = (pick: (fx: Fixture) => string[]): fc.Arbitrary<string> => fc.integer({ min: 0, max: 100 }).map((i) => {
  const ids = pick(fx);
  return ids[i % ids.length] ?? 'none';
});
const unknownId = fc.oneof(anyText.filter((s) => s !== ''), longText, fc.uuid());
const json = (value: fc.Arbitrary<unknown>): fc.Arbitrary<BadBody> => value.map((v) => ({ json: v }));
const badSeatLists = fc.oneof(
  fc.constantFrom<unknown>([], [5, 5], [0], [51], [-3], [1.5], [1, 2, 3, 4, 5], ['1'], [2 ** 53], [1e308], null, 'all', [null], [[1]], [{ seat: 1 }]),
  fc.array(fc.integer({ min: 51 }), { minLength: 1, maxLength: 4 }),
  fc.array(fc.integer({ max: 0 }), { minLength: 1, maxLength: 4 }),
  fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 5, maxLength: 40 }),
  fc.integer({ min: 1, max: 50 }).map((n) => [n, n]),
);

const ROUTES: RouteSpec[] = [
  {
    method: 'POST', path: '/v1/auth/demo-token', valid: () => ({ params: {}, query: {}, body: { userId: 'alice' } }),
    body: fc.oneof(genericBadBodies, json(fc.oneof(
      fc.constant({}),
      anyText.filter((s) => !/^[A-Za-z0-9_-]{1,64}$/.test(s)).map((userId) => ({ userId })),
      fc.constant({ userId: 'x'.repeat(65) }),
      notANumber.filter((v) => typeof v !== 'string').map((userId) => ({ userId })),
      fc.constant({ userId: 'alice', admin: true }),
    ))),
  },
  { method: 'POST', path: '/v1/queue/tokens', valid: () => ({ params: {}, query: {} }) },
  { method: 'GET', path: '/v1/queue/status', valid: () => ({ params: {}, query: {} }) },
  { method: 'DELETE', path: '/v1/queue/tokens/current', valid: () => ({ params: {}, query: {} }) },
  {
    method: 'GET', path: '/v1/concerts/{concertId}/schedules',
    valid: (f) => ({ params: { concertId: f.concertId }, query: {} }),
    params: { concertId: unknownId },
    query: { includeSoldOut: fc.oneof(fc.constantFrom('yes', '1', 'TRUE', '', 'null'), fc.constant(['true', 'false'])) },
  },
  {
    method: 'GET', path: '/v1/schedules/{scheduleId}/seats',
    valid: (f) => ({ params: { scheduleId: f.scheduleId }, query: {} }),
    params: { scheduleId: unknownId },
    query: {
      status: fc.oneof(fc.constantFrom('available', 'HELD', 'SOLD', '', '*'), fc.constant(['AVAILABLE', 'RESERVED']), anyText.filter((s) => !['AVAILABLE', 'TEMP_RESERVED', 'RESERVED'].includes(s))),
      presaleCode: fc.oneof(fc.constant(''), fc.constant('x'.repeat(65)), fc.constant(['A', 'B'])),
    },
  },
  { method: 'GET', path: '/v1/schedules/{scheduleId}/venue', valid: (f) => ({ params: { scheduleId: f.scheduleId }, query: {} }), params: { scheduleId: unknownId } },
  { method: 'GET', path: '/v1/schedules/{scheduleId}/venue/map', valid: (f) => ({ params: { scheduleId: f.scheduleId }, query: {} }), params: { scheduleId: unknownId } },
  {
    method: 'POST', path: '/v1/reservations',
    valid: (f) => ({ params: {}, query: {}, body: { scheduleId: f.scheduleId, seatNumbers: [3] } }),
    body: fc.oneof(genericBadBodies, json(fc.oneof(
      badSeatLists.map((seatNumbers) => ({ scheduleId: fx.scheduleId, seatNumbers })),
      fc.oneof(unknownId, longText).map((scheduleId) => ({ scheduleId, seatNumbers: [3] })),
      fc.constantFrom({}, { seatNumbers: [3] }, { scheduleId: 42, seatNumbers: [3] }),
      fc.constant(null).map(() => ({ scheduleId: fx.scheduleId })),
      fc.constant(null).map(() => ({ scheduleId: fx.scheduleId, seatNumbers: [3], userId: 'bob' })),
      // Other ways to name seats: malformed, several at once, or not applying to a schedule without a layout.
      fc.constantFrom<unknown>(
        { bestAvailable: { quantity: 0 } }, { bestAvailable: { quantity: 2, need: 'STAIRS' } }, { bestAvailable: 2 }, { bestAvailable: { quantity: 2 } },
        { seatLabels: [] }, { seatLabels: [''] }, { seatLabels: ['A-1-1'] }, { seatLabels: [3] }, { generalAdmission: { areaId: 'FLOOR', quantity: 1 } },
        { generalAdmission: { areaId: 'FLOOR' } }, { seatNumbers: [3], bestAvailable: { quantity: 1 } }, { seatLabels: ['A-1-1'], generalAdmission: { areaId: 'F', quantity: 1 } },
      ).map((selection) => ({ scheduleId: fx.scheduleId, ...(selection as object) })),
      fc.constantFrom<unknown>('', 42, null, ['CODE'], 'x'.repeat(65)).map((presaleCode) => ({ scheduleId: fx.scheduleId, seatNumbers: [3], presaleCode })),
      // Free seats, taken seats, alice's own seats: alice already holds, so every one is refused.
      fc.integer({ min: 1, max: 50 }).map((n) => ({ scheduleId: fx.scheduleId, seatNumbers: [n] })),
    ))),
  },
  {
    method: 'GET', path: '/v1/reservations', valid: () => ({ params: {}, query: {} }),
    query: { status: fc.oneof(fc.constantFrom('held', 'PAID', '', 'ALL'), fc.constant(['HELD', 'CONFIRMED']), anyText.filter((s) => !['HELD', 'CONFIRMED', 'EXPIRED', 'CANCELLED'].includes(s))) },
  },
  {
    method: 'GET', path: '/v1/reservations/{reservationId}', valid: (f) => ({ params: { reservationId: f.aliceHeldId }, query: {} }),
    params: { reservationId: fc.oneof(unknownId, otherIds((f) => [f.bobHeldId, f.bobPaidId, f.bobPaymentId, f.scheduleId])) },
  },
  {
    method: 'DELETE', path: '/v1/reservations/{reservationId}', valid: (f) => ({ params: { reservationId: f.aliceHeldId }, query: {} }),
    params: { reservationId: fc.oneof(unknownId, otherIds((f) => [f.bobHeldId, f.bobPaidId, f.bobPaymentId, f.concertId])) },
  },
  {
    method: 'GET', path: '/v1/users/{userId}/balance', valid: () => ({ params: { userId: 'me' }, query: {} }),
    params: { userId: fc.oneof(fc.constantFrom('bob', 'carol', 'ME', 'Me', 'alice ', 'self', 'nobody'), anyText).filter((u) => u !== 'me' && u !== 'alice' && u !== '') },
  },
  {
    method: 'POST', path: '/v1/users/{userId}/balance/charge', valid: () => ({ params: { userId: 'me' }, query: {}, body: { amount: 1_000 } }),
    params: { userId: fc.oneof(fc.constantFrom('bob', 'carol', 'ME', 'nobody'), anyText).filter((u) => u !== 'me' && u !== 'alice' && u !== '') },
    body: fc.oneof(genericBadBodies, json(fc.oneof(
      badMoney.map((amount) => ({ amount })),
      notANumber.map((amount) => ({ amount })),
      fc.constantFrom({}, { amount: 1_000, userId: 'bob' }, { amount: 1_000, extra: 1 }, { Amount: 1_000 }),
    ))),
  },
  {
    method: 'GET', path: '/v1/users/{userId}/balance/history', valid: () => ({ params: { userId: 'me' }, query: {} }),
    params: { userId: fc.oneof(fc.constantFrom('bob', 'carol', 'ME', 'nobody'), anyText).filter((u) => u !== 'me' && u !== 'alice' && u !== '') },
  },
  {
    method: 'POST', path: '/v1/payments', valid: (f) => ({ params: {}, query: {}, body: { reservationId: f.aliceHeldId } }),
    body: fc.oneof(genericBadBodies, json(fc.oneof(
      fc.oneof(unknownId, longText, otherIds((f) => [f.bobHeldId, f.bobPaidId, f.bobPaymentId])).map((reservationId) => ({ reservationId })),
      notANumber.filter((v) => typeof v !== 'string').map((reservationId) => ({ reservationId })),
      // alice's own hold costs more than her balance: 402, nothing moves.
      fc.constant(null).map(() => ({ reservationId: fx.aliceHeldId })),
      fc.constant(null).map(() => ({ reservationId: fx.aliceHeldId, amount: 1 })),
      fc.constantFrom({}, { reservationIds: [] }),
    ))),
  },
  {
    method: 'GET', path: '/v1/payments/{paymentId}', valid: (f) => ({ params: { paymentId: f.bobPaymentId }, query: {} }),
    params: { paymentId: fc.oneof(unknownId, otherIds((f) => [f.bobPaymentId, f.bobPaidId, f.aliceHeldId])) },
  },
  {
    method: 'POST', path: '/v1/admin/concerts',
    valid: () => ({ params: {}, query: {}, body: { title: 'T', venue: 'V', schedules: [{ startsAt: new Date(fx.t.engine.now() + 86_400_000).toISOString() }] } }),
    body: fc.oneof(genericBadBodies, json(fc.oneof(
      fc.constantFrom({}, { title: 'T' }, { title: 'T', venue: 'V' }, { title: 'T', venue: 'V', schedules: [] }),
      fc.constantFrom('', 'x'.repeat(201)).map((title) => ({ title, venue: 'V', schedules: [{ startsAt: '2030-01-01T00:00:00.000Z' }] })),
      fc.oneof(anyText, fc.constantFrom('2030-13-01T00:00:00Z', 'tomorrow', '0', '2030-01-01')).map((startsAt) => ({ title: 'T', venue: 'V', schedules: [{ startsAt }] })),
      fc.constant({ title: 'T', venue: 'V', schedules: [{ startsAt: '2030-01-01T00:00:00.000Z', bookingOpensAt: '2030-02-01T00:00:00.000Z' }] }),
      fc.constantFrom(
        { seatCount: 0, grades: [{ grade: 'A', from: 1, to: 1, price: 1 }] },
        { seatCount: 1_001, grades: [{ grade: 'A', from: 1, to: 1_001, price: 1 }] },
        { seatCount: 10, grades: [{ grade: 'A', from: 1, to: 9, price: 1 }] },
        { seatCount: 10, grades: [{ grade: 'A', from: 1, to: 6, price: 1 }, { grade: 'B', from: 5, to: 10, price: 1 }] },
        { seatCount: 10, grades: [{ grade: 'A', from: 10, to: 1, price: 1 }] },
        { seatCount: 10, grades: [{ grade: 'A', from: 1, to: 10, price: -1 }] },
        { seatCount: 10, grades: [{ grade: 'A', from: 1, to: 10, price: 0.5 }] },
        { seatCount: 10, grades: [{ grade: 'A', from: 1, to: 11, price: 1 }] },
        { seatCount: 10, grades: [] },
        { seatCount: 10.5, grades: [{ grade: 'A', from: 1, to: 10, price: 1 }] },
      ).map((seatMap) => ({ title: 'T', venue: 'V', schedules: [{ startsAt: '2030-01-01T00:00:00.000Z', seatMap }] })),
      fc.constant({ title: 'T', venue: 'V', schedules: Array.from({ length: 101 }, () => ({ startsAt: '2030-01-01T00:00:00.000Z' })) }),
      fc.constant({ title: 'T', venue: 'V', schedules: [{ startsAt: '2030-01-01T00:00:00.000Z', extra: true }] }),
    ))),
  },
  { method: 'GET', path: '/v1/admin/stats', valid: () => ({ params: {}, query: {} }) },
  {
    method: 'GET', path: '/v1/reservations/{reservationId}/tickets', valid: (f) => ({ params: { reservationId: f.bobPaidId }, query: {} }),
    params: { reservationId: fc.oneof(unknownId, otherIds((f) => [f.bobPaidId, f.bobHeldId, f.aliceHeldId])) },
  },
  {
    // Sent with the admin key unless the key is the bad part; a valid code would check in, so none is sent.
    method: 'POST', path: '/v1/checkins', valid: () => ({ params: {}, query: {}, body: { code: 'T1.not-sent-with-a-valid-key' } }),
    body: fc.oneof(genericBadBodies, json(fc.oneof(
      fc.constantFrom<unknown>({}, { code: '' }, { code: 'x'.repeat(513) }, { code: 42 }, { code: null }, { code: ['T1'] }, { code: 'T1.a.b.c.d.e', extra: true }),
      anyText.map((code) => ({ code })),
      fc.tuple(fc.constantFrom('T1', 'T2'), fc.string({ maxLength: 10 }), fc.string({ maxLength: 30 }), fc.nat(60))
        .map(([version, keyId, id, seat]) => ({ code: `${version}.${keyId}.${id}.${id}.${seat}.${'A'.repeat(86)}` })),
    ))),
  },
  {
    // alice's own hold is not paid: whatever part is bad, nothing can be refunded.
    method: 'POST', path: '/v1/reservations/{reservationId}/refunds', valid: (f) => ({ params: { reservationId: f.aliceHeldId }, query: {}, body: {} }),
    params: { reservationId: fc.oneof(unknownId, otherIds((f) => [f.bobPaidId, f.bobHeldId, f.bobPaymentId])) },
    body: fc.oneof(genericBadBodies, json(fc.oneof(
      badSeatLists.map((seatNumbers) => ({ seatNumbers })),
      fc.constantFrom<unknown>({ seatNumbers: [] }, { seatNumbers: null }, { seatNumbers: 'all' }, { seats: [1] }, { seatNumbers: [1], amount: 1 }),
    ))),
  },
  {
    // A valid cancellation would cancel the fixture's schedule: the request names an unknown one instead.
    method: 'POST', path: '/v1/admin/schedules/{scheduleId}/cancel', valid: () => ({ params: { scheduleId: 'sch_not_in_the_fixture' }, query: {} }),
    params: { scheduleId: unknownId },
    body: fc.oneof(genericBadBodies, json(fc.constantFrom<unknown>({ reason: '' }, { reason: 'x'.repeat(501) }, { reason: 42 }, { reason: 'r', refund: false }, [], 'cancel'))),
  },
  {
    method: 'GET', path: '/v1/admin/schedules/{scheduleId}/cancellation', valid: (f) => ({ params: { scheduleId: f.scheduleId }, query: {} }),
    params: { scheduleId: unknownId },
  },
  // Presale codes (admin): a valid creation would change the fixture, so every case corrupts a part.
  {
    method: 'POST', path: '/v1/admin/schedules/{scheduleId}/presale-codes', valid: (f) => ({ params: { scheduleId: f.scheduleId }, query: {}, body: { maxUses: 1 } }),
    params: { scheduleId: unknownId },
    body: fc.oneof(genericBadBodies, json(fc.oneof(
      fc.constantFrom<unknown>({ maxUses: 0 }, { maxUses: 100_001 }, { maxUses: 1.5 }, { maxUses: '1' }, { code: 'abc' }, { code: 'x'.repeat(33) }, { code: 'BAD CODE' },
        { code: 'ÜBER-CODE' }, { code: 42 }, { code: 'GOOD-CODE', extra: true }),
      anyText.filter((code) => !/^[A-Za-z0-9-]{4,32}$/.test(code)).map((code) => ({ code })),
    ))),
  },
  {
    method: 'GET', path: '/v1/admin/schedules/{scheduleId}/presale-codes', valid: (f) => ({ params: { scheduleId: f.scheduleId }, query: {} }),
    params: { scheduleId: unknownId },
  },
  {
    method: 'GET', path: '/v1/admin/schedules/{scheduleId}/holdbacks', valid: (f) => ({ params: { scheduleId: f.scheduleId }, query: {} }),
    params: { scheduleId: unknownId },
  },
  {
    // The fixture's schedule holds nothing back: even a well-formed release is 404, so nothing changes.
    method: 'POST', path: '/v1/admin/schedules/{scheduleId}/holdbacks/{channel}/release', valid: (f) => ({ params: { scheduleId: f.scheduleId, channel: 'press' }, query: {} }),
    params: { scheduleId: unknownId, channel: fc.oneof(anyText.filter((s) => s !== ''), fc.constant('x'.repeat(33))) },
  },
  // Venue layouts (admin): a well-formed import would add one, so every body is a bad layout or no JSON object.
  {
    method: 'POST', path: '/v1/admin/layouts', valid: () => ({ params: {}, query: {}, body: { name: 'H', version: 1, categories: [{ id: 'A', name: 'A', priceWon: 1, rank: 1 }], sections: [{ id: 'M', name: 'M', category: 'A', rows: [{ label: 'A', seats: [1] }] }] } }),
    body: fc.oneof(genericBadBodies, json(fc.oneof(
      fc.constantFrom<unknown>({}, { name: 'H' }, { name: 'H', version: 0, categories: [], sections: [] }, { name: 'H', version: 1, categories: 'A', sections: [] },
        { name: 'H', version: 1, categories: [{ id: 'A', name: 'A', priceWon: -1, rank: 1 }], sections: [{ id: 'M', name: 'M', category: 'A', rows: [{ label: 'A', seats: [1] }] }] },
        { name: 'H', version: 1, categories: [{ id: 'A', name: 'A', priceWon: 1, rank: 1 }], sections: [{ id: 'M', name: 'M', category: 'B', rows: [{ label: 'A', seats: { from: 5, to: 1 } }] }] }),
      fc.record({ name: anyText, version: badMoney, categories: fc.constant([]), sections: fc.constant([]) }),
    ))),
  },
  { method: 'GET', path: '/v1/admin/layouts', valid: () => ({ params: {}, query: {} }) },
  {
    method: 'GET', path: '/v1/admin/layouts/{layoutId}', valid: () => ({ params: { layoutId: 'lay_not_in_the_fixture' }, query: {} }),
    params: { layoutId: unknownId },
  },
  // The waitlist: every case corrupts at least one part, so alice never joins.
  {
    method: 'POST', path: '/v1/schedules/{scheduleId}/waitlist', valid: (f) => ({ params: { scheduleId: f.scheduleId }, query: {}, body: { quantity: 1 } }),
    params: { scheduleId: unknownId },
    // The body is optional: a JSON null is no body, a valid join, so it is not among the bad ones here.
    body: fc.oneof(genericBadBodies.filter((bad) => !('json' in bad && bad.json === null)), json(fc.oneof(
      fc.constantFrom<unknown>({ quantity: 0 }, { quantity: 5 }, { quantity: -1 }, { quantity: 1.5 }, { quantity: '1' }, { quantity: null }, { quantity: 1, userId: 'bob' }, [], 'join'),
      badMoney.map((quantity) => ({ quantity })),
    ))),
  },
  {
    method: 'GET', path: '/v1/schedules/{scheduleId}/waitlist/me', valid: (f) => ({ params: { scheduleId: f.scheduleId }, query: {} }),
    params: { scheduleId: unknownId },
  },
  {
    method: 'DELETE', path: '/v1/schedules/{scheduleId}/waitlist/me', valid: (f) => ({ params: { scheduleId: f.scheduleId }, query: {} }),
    params: { scheduleId: unknownId },
  },
  // Rooms per sale: a valid creation or change would change the fixture, so every body here is a bad one.
  {
    method: 'POST', path: '/v1/admin/rooms', valid: (f) => ({ params: {}, query: {}, body: { name: 'Sale', scheduleIds: [f.scheduleId], opensAt: '2030-01-01T00:00:00.000Z' } }),
    body: fc.oneof(genericBadBodies, json(fc.oneof(
      fc.constantFrom<unknown>({}, { name: 'Sale' }, { name: '', scheduleIds: ['x'], opensAt: '2030-01-01T00:00:00Z' }, { name: 'Sale', scheduleIds: [], opensAt: '2030-01-01T00:00:00Z' },
        { name: 'Sale', scheduleIds: ['a', 'a'], opensAt: '2030-01-01T00:00:00Z' }, { name: 'Sale', scheduleIds: ['a'], opensAt: 'soon' },
        { name: 'Sale', scheduleIds: ['a'], opensAt: '2030-01-01T00:00:00Z', admissionRatePerMinute: 0 }, { name: 'Sale', scheduleIds: ['a'], opensAt: '2030-01-01T00:00:00Z', maxActive: -1 },
        { name: 'Sale', scheduleIds: ['a'], opensAt: '2030-01-01T00:00:00Z', seed: '00' }),
      fc.record({ name: anyText, scheduleIds: fc.array(unknownId, { maxLength: 3 }), opensAt: anyText }),
      badMoney.map((admissionRatePerMinute) => ({ name: 'Sale', scheduleIds: ['a'], opensAt: '2030-01-01T00:00:00Z', admissionRatePerMinute })),
    ))),
  },
  {
    method: 'PATCH', path: '/v1/admin/rooms/{roomId}', valid: () => ({ params: { roomId: 'room_not_in_the_fixture' }, query: {}, body: { maxActive: 5 } }),
    params: { roomId: unknownId },
    body: fc.oneof(genericBadBodies, json(fc.oneof(
      fc.constantFrom<unknown>({}, { maxActive: 0 }, { admissionRatePerMinute: 0 }, { admissionRatePerMinute: 1.5 }, { maxActive: '5' }, { opensAt: '2030-01-01T00:00:00Z' }),
      badMoney.map((maxActive) => ({ maxActive })),
    ))),
  },
  { method: 'GET', path: '/v1/rooms/{roomId}', valid: () => ({ params: { roomId: 'room_not_in_the_fixture' }, query: {} }), params: { roomId: unknownId } },
  { method: 'GET', path: '/v1/rooms/{roomId}/audit', valid: () => ({ params: { roomId: 'room_not_in_the_fixture' }, query: {} }), params: { roomId: unknownId } },
  { method: 'GET', path: '/v1/queue/receipt', valid: () => ({ params: {}, query: {} }) },
  { method: 'GET', path: '/v1/users/me/waitlist', valid: () => ({ params: {}, query: {} }) },
  { method: 'GET', path: '/v1/waitlist/schedules', valid: () => ({ params: {}, query: {} }) },
  // Events and webhooks (admin). A valid creation, change or removal would change the fixture: every case
  // corrupts at least one part, so none goes through.
  {
    method: 'GET', path: '/v1/admin/events', valid: () => ({ params: {}, query: {} }),
    query: {
      after: fc.constantFrom('-1', 'x', '1.5', '', '1e400'),
      limit: fc.constantFrom('0', '1001', '-5', 'many', '2.5'),
      type: fc.oneof(fc.constantFrom('payment.refunded', 'PAYMENT.COMPLETED', '', '*'), anyText.filter((s) => !s.includes('.'))),
    },
  },
  {
    method: 'POST', path: '/v1/admin/webhooks', valid: () => ({ params: {}, query: {}, body: { url: 'https://platform.example/new', events: ['refund.created'] } }),
    body: fc.oneof(genericBadBodies, json(fc.oneof(
      fc.constantFrom<unknown>({}, { url: 'https://platform.example/x' }, { events: ['refund.created'] }, { url: 'https://platform.example/x', events: [] },
        { url: 'https://platform.example/x', events: ['refund.created', 'refund.created'] }, { url: 'https://platform.example/x', events: ['payment.refunded'] },
        { url: 'https://platform.example/x', events: ['refund.created'], secret: 'mine' }, { url: 42, events: ['refund.created'] },
        { url: 'https://platform.example/x', events: ['refund.created'], description: 'x'.repeat(501) }),
      fc.oneof(anyText, longText, fc.constantFrom('ftp://platform.example/x', '/relative', 'https://user:pw@platform.example/', 'javascript:alert(1)'))
        .map((url) => ({ url, events: ['refund.created'] })),
    ))),
  },
  { method: 'GET', path: '/v1/admin/webhooks', valid: () => ({ params: {}, query: {} }) },
  {
    method: 'GET', path: '/v1/admin/webhooks/{endpointId}', valid: (f) => ({ params: { endpointId: f.webhookEndpointId }, query: {} }),
    params: { endpointId: unknownId },
  },
  {
    method: 'PATCH', path: '/v1/admin/webhooks/{endpointId}', valid: (f) => ({ params: { endpointId: f.webhookEndpointId }, query: {}, body: { enabled: false } }),
    params: { endpointId: unknownId },
    body: fc.oneof(genericBadBodies, json(fc.constantFrom<unknown>(
      {}, { enabled: 'no' }, { events: [] }, { url: 'ftp://platform.example/x' }, { url: '' }, { secret: 'mine' }, { enabled: false, cursor: 0 }, { description: 'x'.repeat(501) },
    ))),
  },
  {
    method: 'DELETE', path: '/v1/admin/webhooks/{endpointId}', valid: (f) => ({ params: { endpointId: f.webhookEndpointId }, query: {} }),
    params: { endpointId: unknownId },
  },
  {
    method: 'GET', path: '/v1/admin/webhooks/{endpointId}/deliveries', valid: (f) => ({ params: { endpointId: f.webhookEndpointId }, query: {} }),
    params: { endpointId: unknownId },
    query: { status: fc.constantFrom('DONE', 'pending', '', 'PARKED,PENDING'), limit: fc.constantFrom('0', '1001', 'x') },
  },
  {
    method: 'POST', path: '/v1/admin/webhooks/{endpointId}/deliveries/{eventId}/retry', valid: (f) => ({ params: { endpointId: f.webhookEndpointId, eventId: 'evt_1' }, query: {} }),
    params: { endpointId: unknownId, eventId: fc.oneof(unknownId, fc.constantFrom('evt_0', 'evt_-1', 'evt_99999999', '1e3')) },
  },
  // WebSocket routes: a plain GET (no Upgrade) is 426 whatever it carries; the upgrade itself is in access-control.
  {
    method: 'GET', path: '/v1/queue/ws', valid: (f) => ({ params: {}, query: { token: f.tokens.alice, queueToken: f.queueTokens.alice } }),
    query: { token: fc.oneof(anyText, longText), queueToken: fc.oneof(anyText, fc.constant(['a', 'b'])) },
  },
  {
    method: 'GET', path: '/v1/schedules/{scheduleId}/seats/ws', valid: (f) => ({ params: { scheduleId: f.scheduleId }, query: { token: f.tokens.alice, queueToken: f.queueTokens.alice } }),
    params: { scheduleId: unknownId },
    query: { token: fc.oneof(anyText, longText), queueToken: anyText },
  },
  {
    method: 'GET', path: '/v1/waitlist/ws', valid: (f) => ({ params: {}, query: { token: f.tokens.alice } }),
    query: { token: fc.oneof(anyText, longText) },
  },
];

/** Public routes that take nothing: there is no invalid part to send, only junk to ignore. */
const PUBLIC_WITHOUT_INPUT = new Set(['GET /v1/concerts', 'GET /v1/tickets/public-key', 'GET /v1/rooms']);

interface Operation { security?: Array<Record<string, unknown>>; parameters?: Array<{ in: string; name: string }> }

function slotsOf(spec: RouteSpec, operation: Operation): Slot[] {
  const slots: Slot[] = [];
  const schemes = new Set((operation.security ?? []).flatMap((requirement) => Object.keys(requirement)));
  if (schemes.has('bearerAuth')) slots.push('auth');
  if (schemes.has('queueToken')) slots.push('queueToken');
  if (schemes.has('adminKey')) slots.push('adminKey');
  for (const parameter of operation.parameters ?? []) {
    if (parameter.in === 'header' && parameter.name === 'idempotency-key') slots.push('idempotencyKey');
    if (parameter.in === 'path' && spec.params?.[parameter.name] !== undefined) slots.push(`path:${parameter.name}`);
    if (parameter.in === 'query' && spec.query?.[parameter.name] !== undefined) slots.push(`query:${parameter.name}`);
  }
  if (spec.body !== undefined) slots.push('body');
  return slots;
}

function badValue(spec: RouteSpec, slot: Slot): fc.Arbitrary<unknown> {
  switch (slot) {
    case 'auth': return badAuthorizations(TEST_AUTH_SECRET, fx.t.engine.now());
    case 'queueToken': return fc.oneof(
      fc.constantFrom<string | undefined>(undefined, '', 'nope', 'x'.repeat(257)),
      fc.constantFrom('bob', 'carol').map((user) => fx.queueTokens[user as 'bob' | 'carol']),
      anyText.filter((s) => /^[\t\x20-\x7e\x80-\xff]*$/.test(s)),
    );
    case 'adminKey': return fc.constantFrom<string | undefined>(undefined, '', 'wrong', `${TEST_ADMIN_KEY} `, TEST_ADMIN_KEY.slice(0, -1), TEST_ADMIN_KEY.toUpperCase());
    case 'idempotencyKey': return badIdempotencyKeys;
    case 'body': return spec.body as fc.Arbitrary<BadBody>;
    default: {
      const [kind, name] = slot.split(':') as ['path' | 'query', string];
      const arbitrary = kind === 'path' ? spec.params?.[name] : spec.query?.[name];
      if (arbitrary === undefined) throw new Error(`no bad values for ${slot}`);
      return arbitrary;
    }
  }
}

function buildRequest(spec: RouteSpec, bad: Partial<Record<Slot, unknown>>): InjectOptions {
  const valid = spec.valid(fx);
  const isAdmin = spec.path.startsWith('/v1/admin') || spec.path === '/v1/checkins';
  const headers: Record<string, string> = {};
  const set = (name: string, slot: Slot, validValue: string | undefined): void => {
    const value = slot in bad ? bad[slot] as string | undefined : validValue;
    if (value !== undefined) headers[name] = value;
  };
  set('authorization', 'auth', isAdmin ? undefined : `Bearer ${fx.tokens.alice}`);
  set('x-queue-token', 'queueToken', fx.queueTokens.alice);
  set('x-admin-key', 'adminKey', isAdmin ? TEST_ADMIN_KEY : undefined);
  if ('idempotencyKey' in bad) headers['idempotency-key'] = bad.idempotencyKey as string;
  const url = spec.path.replace(/\{(\w+)\}/g, (_, name: string) => encodePathSegment((bad[`path:${name}`] as string | undefined) ?? valid.params[name] ?? ''));
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(valid.query)) query.append(name, value);
  for (const [slot, value] of Object.entries(bad)) {
    if (!slot.startsWith('query:')) continue;
    for (const item of Array.isArray(value) ? value : [value]) query.append(slot.slice(6), String(item));
  }
  const search = query.toString();
  const options: InjectOptions = { method: spec.method, url: search === '' ? url : `${url}?${search}`, headers };
  const body = 'body' in bad ? bad.body as BadBody : valid.body === undefined ? undefined : { json: valid.body };
  if (body !== undefined) {
    if ('raw' in body) {
      headers['content-type'] = body.contentType;
      options.payload = body.raw;
    } else {
      headers['content-type'] = 'application/json';
      options.payload = JSON.stringify(body.json) ?? 'null';
    }
  }
  return options;
}

/** Percent-encodes a path segment; a lone surrogate (not encodable) goes out as invalid UTF-8 bytes. */
function encodePathSegment(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return [...value].map((char) => {
      try {
        return encodeURIComponent(char);
      } catch {
        return '%ED%A0%80';
      }
    }).join('');
  }
}

async function answer(options: InjectOptions): Promise<LightMyRequestResponse> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ANSWER_DEADLINE_MS} ms`)), ANSWER_DEADLINE_MS);
  });
  try {
    return await Promise.race([fx.inject(options), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function describeRequest(options: InjectOptions): string {
  const payload = typeof options.payload === 'string' && options.payload.length > 300 ? `${options.payload.slice(0, 300)}... (${options.payload.length} chars)` : options.payload;
  return JSON.stringify({ method: options.method, url: typeof options.url === 'string' ? options.url.slice(0, 300) : options.url, headers: options.headers, payload });
}

describe('hostile input: every route, invalid parts drawn by fast-check', () => {
  let document: { paths: Record<string, Record<string, Operation>> };

  beforeAll(async () => {
    fx = await buildFixture();
    document = (await fx.inject({ method: 'GET', url: '/openapi.json' })).json();
  });
  afterAll(async () => {
    process.stdout.write(`hostile input: ${badInputs} bad requests, all refused with a 4xx and no change\n`);
    await fx?.close();
  });

  it('has a bad-input generator for every /v1 route in the OpenAPI document', () => {
    const documented = Object.entries(document.paths)
      .filter(([path]) => path.startsWith('/v1/'))
      .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
    const covered = new Set([...ROUTES.map((r) => `${r.method} ${r.path}`), ...PUBLIC_WITHOUT_INPUT]);
    expect(documented.filter((route) => !covered.has(route))).toEqual([]);
    expect(documented.length).toBeGreaterThanOrEqual(ROUTES.length);
  });

  for (const spec of ROUTES) {
    it(`${spec.method} ${spec.path}: refuses every bad request with a 4xx and changes nothing`, async () => {
      const operation = document.paths[spec.path]?.[spec.method.toLowerCase()];
      expect(operation, 'route missing from /openapi.json').toBeDefined();
      const slots = slotsOf(spec, operation as Operation);
      expect(slots.length, 'a route with nothing to corrupt').toBeGreaterThan(0);
      const before = fx.digest();

      // Given one or more of the route's parts replaced with a bad value (the rest valid, from alice)
      const badRequest = fc.subarray(slots, { minLength: 1 }).chain((chosen) =>
        fc.record(Object.fromEntries(chosen.map((slot) => [slot, badValue(spec, slot)])) as Record<string, fc.Arbitrary<unknown>>));
      await fc.assert(fc.asyncProperty(badRequest, async (bad) => {
        const request = buildRequest(spec, bad as Partial<Record<Slot, unknown>>);
        badInputs++;
        // When it is sent
        const response = await answer(request);
        // Then it is refused in the contract's error shape, and nothing changed
        const problems = errorShapeProblems(response);
        if (response.statusCode < 400 || response.statusCode > 499 || problems.length > 0) {
          throw new Error(`${response.statusCode} ${response.body.slice(0, 500)} ${problems.join('; ')}\nfor ${describeRequest(request)}`);
        }
        const after = fx.digest();
        if (after !== before) throw new Error(`state changed after ${response.statusCode} ${response.body.slice(0, 300)}\nfor ${describeRequest(request)}`);
      }), { numRuns: RUNS_PER_ROUTE, endOnFailure: true });
    }, 120_000);
  }

  it('GET /v1/concerts ignores junk in its query and headers (public, read-only)', async () => {
    const before = fx.digest();
    await fc.assert(fc.asyncProperty(fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 }), { maxKeys: 5 }), async (query) => {
      badInputs++;
      const response = await answer({ method: 'GET', url: `/v1/concerts?${new URLSearchParams(query).toString()}`, headers: { authorization: 'Bearer junk', 'x-queue-token': 'junk' } });
      expect(response.statusCode).toBe(200);
    }), { numRuns: 30 });
    expect(fx.digest()).toBe(before);
  });
});
