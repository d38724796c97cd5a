/**
 * Secrets generated outside production, kept beside the database: created once per data directory with
 * mode 0600, read back on the next start, fresh per process for an in-memory database.
 */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dataDirectorySecrets, SECRETS_FILE_NAME, SecretsFileError, TICKET_KEY_FILE_NAME } from '../src/secrets.js';

const modeOf = (path: string): number => statSync(path).mode & 0o777;

describe('dataDirectorySecrets', () => {
  let dir: string;
  let dbPath: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'booking-secrets-'));
    dbPath = join(dir, 'data', 'booking.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('given a new data directory, when asked, then it generates secrets into secrets.json beside the database with mode 0600', () => {
    const secrets = dataDirectorySecrets(dbPath);

    const path = join(dir, 'data', SECRETS_FILE_NAME);
    expect(secrets).toMatchObject({ path, created: true });
    expect(secrets.authSecret.length).toBeGreaterThanOrEqual(32);
    expect(secrets.adminKey.length).toBeGreaterThanOrEqual(16);
    expect(modeOf(path)).toBe(0o600);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ authSecret: secrets.authSecret, adminKey: secrets.adminKey });
    expect(readdirSync(join(dir, 'data')).sort()).toEqual([SECRETS_FILE_NAME, TICKET_KEY_FILE_NAME]);
    expect(modeOf(join(dir, 'data', TICKET_KEY_FILE_NAME))).toBe(0o600);
    expect(readFileSync(join(dir, 'data', TICKET_KEY_FILE_NAME), 'utf8')).toBe(secrets.ticketSigningKey);
  });

  it('given a data directory from before tickets (secrets.json only), when asked, then its secrets stay and a ticket key is added once', () => {
    const before = dataDirectorySecrets(dbPath);
    rmSync(join(dir, 'data', TICKET_KEY_FILE_NAME));

    const after = dataDirectorySecrets(dbPath);
    const again = dataDirectorySecrets(dbPath);

    expect(after).toMatchObject({ authSecret: before.authSecret, adminKey: before.adminKey, created: false });
    expect(after.ticketSigningKey).not.toBe(before.ticketSigningKey);
    expect(again.ticketSigningKey).toBe(after.ticketSigningKey);
  });

  it('given a ticket key file that is not an Ed25519 key, when read, then start-up stops naming the file', () => {
    dataDirectorySecrets(dbPath);
    const path = join(dir, 'data', TICKET_KEY_FILE_NAME);
    writeFileSync(path, 'not a key');

    expect(() => dataDirectorySecrets(dbPath)).toThrow(new RegExp(`^${path}: `));
  });

  it('given a permissive umask, when generated, then the file is still 0600', () => {
    const previous = process.umask(0);
    try {
      dataDirectorySecrets(dbPath);
    } finally {
      process.umask(previous);
    }

    expect(modeOf(join(dir, 'data', SECRETS_FILE_NAME))).toBe(0o600);
  });

  it('given secrets generated before, when asked again, then the same ones come back and nothing is generated', () => {
    const first = dataDirectorySecrets(dbPath);

    const second = dataDirectorySecrets(join(dir, 'data', 'other.db'));

    expect(second).toEqual({ ...first, created: false });
  });

  it('given an in-memory database, when asked twice, then each answer is fresh and nothing is written', () => {
    const first = dataDirectorySecrets(':memory:');
    const second = dataDirectorySecrets(':memory:');

    expect(first).toMatchObject({ path: null, created: true });
    expect(second.authSecret).not.toBe(first.authSecret);
    expect(second.adminKey).not.toBe(first.adminKey);
  });

  it('given a secrets file readable by others, when read, then it is made 0600 and the old mode is reported', () => {
    const { path } = dataDirectorySecrets(dbPath);
    chmodSync(path!, 0o644);

    const again = dataDirectorySecrets(dbPath);

    expect(again.tightenedFromMode).toBe(0o644);
    expect(modeOf(path!)).toBe(0o600);
  });

  it.each([
    ['not JSON', '{"authSecret": '],
    ['missing the admin key', JSON.stringify({ authSecret: 'a'.repeat(43) })],
    ['holding a short auth secret', JSON.stringify({ authSecret: 'short', adminKey: 'b'.repeat(32) })],
  ])('given a secrets file %s, when read, then start-up stops with one line naming the file', (_case, body) => {
    const path = join(dir, 'data', SECRETS_FILE_NAME);
    dataDirectorySecrets(dbPath);
    writeFileSync(path, body);

    let error: unknown;
    try {
      dataDirectorySecrets(dbPath);
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(SecretsFileError);
    expect((error as SecretsFileError).message.startsWith(`${path}: `)).toBe(true);
    expect((error as SecretsFileError).message).not.toContain('\n');
  });
});
