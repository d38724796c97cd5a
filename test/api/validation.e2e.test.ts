import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp } from '../helpers/build-test-app.js';

let t: Awaited<ReturnType<typeof buildTestApp>> | undefined;
afterEach(async () => t?.close());

async function userToken(userId: string): Promise<string> {
  const res = await t!.app.inject({ method: 'POST', url: '/v1/auth/demo-token', payload: { userId } });
  return (res.json() as { token: string }).token;
}

describe('request validation', () => {
  it('given a charge whose amount is the string "100", then 400 VALIDATION_ERROR and the balance is unchanged', async () => {
    t = await buildTestApp();
    const token = await userToken('alice');
    const res = await t.app.inject({
      method: 'POST', url: '/v1/users/me/balance/charge', headers: { authorization: `Bearer ${token}` }, payload: { amount: '100' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ statusCode: 400, code: 'VALIDATION_ERROR' });
    expect(t.engine.getBalance('alice').balance).toBe(0);
  });

});
