import { describe, expect, it } from 'vitest';
import { ERROR_CODES, type ErrorCode } from '../../src/domain/error-codes.js';
import { ApiFailure, IdempotencyKeys } from '../../src/web/api-client.js';
import { humanMessage, isKnownCode } from '../../src/web/error-messages.js';
import { formatCountdown, outlookSentence } from '../../src/web/format.js';
import { ServerClock } from '../../src/web/server-clock.js';

describe('error messages', () => {
  it('has its own human sentence for every error code of the contract', () => {
    const codes = Object.keys(ERROR_CODES) as ErrorCode[];
    const messages = codes.map((code) => humanMessage(code));

    expect(codes.every(isKnownCode)).toBe(true);
    expect(new Set(messages).size).toBe(codes.length);
    for (const message of messages) expect(message).toMatch(/^[A-Z].{20,}\.$/);
  });

  it('names the taken seats of SEAT_UNAVAILABLE', () => {
    expect(humanMessage('SEAT_UNAVAILABLE', { seatNumbers: [13, 12] })).toContain('seat 12, 13');
  });
});

describe('ServerClock', () => {
  it('given samples with different transit delays, then it uses the least delayed one', () => {
    const clock = new ServerClock();
    // The server is 5 s ahead; the samples arrived 300 ms and 40 ms after they were sent.
    clock.observe(new Date(100_000 + 5_000).toISOString(), 100_300);
    clock.observe(new Date(200_000 + 5_000).toISOString(), 200_040);

    expect(clock.offsetMs()).toBe(4_960);
  });

  it('counts a hold down in server time, not local time', () => {
    const clock = new ServerClock();
    const localNowMs = Date.now();
    clock.observe(localNowMs + 60_000, localNowMs); // server is a minute ahead
    const deadline = new Date(localNowMs + 60_000 + 300_000).toISOString();

    expect(Math.round(clock.remainingMs(deadline) / 1000)).toBe(300);
    expect(formatCountdown(clock.remainingMs(deadline))).toBe('5:00');
  });
});

describe('IdempotencyKeys', () => {
  it('reuses the key only while the outcome of the same request is unknown', () => {
    const keys = new IdempotencyKeys();
    const body = { amount: 150_000 };

    const first = keys.keyFor('charge', body);
    keys.settle('charge', body, new ApiFailure('NETWORK_ERROR', 0));
    expect(keys.keyFor('charge', body)).toBe(first);

    keys.settle('charge', body);
    expect(keys.keyFor('charge', body)).not.toBe(first);
    expect(keys.keyFor('charge', { amount: 1 })).not.toBe(keys.keyFor('charge', body));
  });
});

describe('the odds sentence of the waiting room', () => {
  it('says plainly how many seats are left and whether they can reach the fan', () => {
    expect(outlookSentence({ outlook: 'LIKELY', seatsRemaining: 40 })).toBe('40 seats left: enough for everyone ahead of you.');
    expect(outlookSentence({ outlook: 'UNCERTAIN', seatsRemaining: 1 })).toContain('1 seat left');
    expect(outlookSentence({ outlook: 'UNLIKELY', seatsRemaining: 3 })).toContain('you may well miss out');
    expect(outlookSentence({ outlook: 'SOLD_OUT', seatsRemaining: 0 })).toBe('No seats are left right now.');
  });
});
