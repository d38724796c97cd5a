/**
 * AUTH_SECRET, ADMIN_KEY and TICKET_SIGNING_KEY for a server started without them outside production.
 * Nothing is in the source: the first start on a data directory generates random ones and keeps them
 * beside the database in `secrets.json` and `ticket-signing-key.pem` (mode 0600), so user tokens, the
 * admin key and issued tickets survive a restart. An in-memory database gets fresh ones per process.
 * Production never comes here: it refuses to start without them.
 */
import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { generateTicketSigningKey, parseTicketSigningKey } from './tickets/signing-key.js';

export const SECRETS_FILE_NAME = 'secrets.json';
/** The ticket-signing key (PKCS8 PEM) has its own file: data directories made before tickets get one too. */
export const TICKET_KEY_FILE_NAME = 'ticket-signing-key.pem';
/** Owner read/write only: the file signs every user token and opens the admin API. */
export const SECRETS_FILE_MODE = 0o600;
/** 256 bits for the HS256 key (its hash size), 192 for the admin key; both above production's minimum lengths. */
const AUTH_SECRET_BYTES = 32;
const ADMIN_KEY_BYTES = 24;
const MIN_AUTH_SECRET_LENGTH = 32;
const MIN_ADMIN_KEY_LENGTH = 16;

export interface Secrets {
  authSecret: string;
  adminKey: string;
  /** Ed25519 private key, PKCS8 PEM. */
  ticketSigningKey: string;
}

export interface DataDirectorySecrets extends Secrets {
  /** Where they are kept; null for an in-memory database (they end with the process). */
  path: string | null;
  /** True when this call generated them: the only time the admin key is shown. */
  created: boolean;
  /** The file's permission bits when they were looser than 0600 and had to be tightened. */
  tightenedFromMode?: number;
}

/** The secrets file is unreadable or not ours: start-up stops with one line naming the file. */
export class SecretsFileError extends Error {
  constructor(readonly path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'SecretsFileError';
  }
}

type RandomBytes = (size: number) => Buffer;

export function generateSecrets(randomBytes: RandomBytes = cryptoRandomBytes): Secrets {
  return {
    authSecret: randomBytes(AUTH_SECRET_BYTES).toString('base64url'),
    adminKey: randomBytes(ADMIN_KEY_BYTES).toString('base64url'),
    ticketSigningKey: generateTicketSigningKey(),
  };
}

export function secretsPathFor(dbPath: string): string | null {
  return dbPath === ':memory:' ? null : join(dirname(resolve(dbPath)), SECRETS_FILE_NAME);
}

/** The secrets of the data directory that holds `dbPath`: read from its file, or generated and written once. */
export function dataDirectorySecrets(dbPath: string, randomBytes: RandomBytes = cryptoRandomBytes): DataDirectorySecrets {
  const path = secretsPathFor(dbPath);
  if (path === null) return { ...generateSecrets(randomBytes), path, created: true };
  mkdirSync(dirname(path), { recursive: true });
  const ticketSigningKey = dataDirectoryTicketKey(join(dirname(path), TICKET_KEY_FILE_NAME));
  const existing = readSecretsFile(path);
  if (existing !== null) return { ...existing, ticketSigningKey };
  const secrets = { ...generateSecrets(randomBytes), ticketSigningKey };
  // Two servers starting at once on a new directory: the first link wins and the other reads its file.
  if (!publishPrivateFile(path, secretsFileBody(secrets))) {
    const winner = readSecretsFile(path);
    if (winner === null) throw new SecretsFileError(path, 'vanished while it was being created');
    return { ...winner, ticketSigningKey };
  }
  return { ...secrets, path, created: true };
}

/** The ticket-signing key kept at `path`, generated and written once (the first writer wins, as above). */
function dataDirectoryTicketKey(path: string): string {
  const existing = readTicketKeyFile(path);
  if (existing !== null) return existing;
  const generated = generateTicketSigningKey();
  if (publishPrivateFile(path, generated)) return generated;
  const winner = readTicketKeyFile(path);
  if (winner === null) throw new SecretsFileError(path, 'vanished while it was being created');
  return winner;
}

function readTicketKeyFile(path: string): string | null {
  let text: string;
  try {
    const mode = statSync(path).mode & 0o777;
    text = readFileSync(path, 'utf8');
    if ((mode & ~SECRETS_FILE_MODE) !== 0) chmodSync(path, SECRETS_FILE_MODE);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return null;
    throw new SecretsFileError(path, `cannot be read or made private (${errorCode(error)}); fix its permissions, or set TICKET_SIGNING_KEY`);
  }
  if (!parseTicketSigningKey(text).ok) {
    throw new SecretsFileError(path, 'is not an Ed25519 PKCS8 PEM key; remove it to generate a new one (issued tickets stop verifying), or set TICKET_SIGNING_KEY');
  }
  return text;
}

function readSecretsFile(path: string): Omit<DataDirectorySecrets, 'ticketSigningKey'> | null {
  let text: string;
  let mode: number;
  try {
    mode = statSync(path).mode & 0o777;
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return null;
    throw new SecretsFileError(path, `cannot be read (${errorCode(error)}); fix its permissions, or set AUTH_SECRET and ADMIN_KEY`);
  }
  const secrets = parseSecrets(text);
  if (secrets === null) {
    throw new SecretsFileError(path, 'is not a secrets file of this server; remove it to generate new secrets (issued tokens stop working), or set AUTH_SECRET and ADMIN_KEY');
  }
  if ((mode & ~SECRETS_FILE_MODE) === 0) return { ...secrets, path, created: false };
  try {
    chmodSync(path, SECRETS_FILE_MODE);
  } catch (error) {
    throw new SecretsFileError(path, `is readable by others (mode ${mode.toString(8)}) and cannot be made private (${errorCode(error)})`);
  }
  return { ...secrets, path, created: false, tightenedFromMode: mode };
}

function parseSecrets(text: string): Omit<Secrets, 'ticketSigningKey'> | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { authSecret, adminKey } = value as Record<string, unknown>;
  if (typeof authSecret !== 'string' || authSecret.length < MIN_AUTH_SECRET_LENGTH) return null;
  if (typeof adminKey !== 'string' || adminKey.length < MIN_ADMIN_KEY_LENGTH) return null;
  return { authSecret, adminKey };
}

/**
 * Writes a private temp file, syncs it and links it into place: a reader sees the whole file or none,
 * and a crash mid-write leaves only a temp file, never a half-written secrets.json. False when it exists.
 */
function secretsFileBody({ authSecret, adminKey }: Secrets): string {
  return `${JSON.stringify({
    authSecret,
    adminKey,
    createdAt: new Date().toISOString(),
    note: 'Generated because AUTH_SECRET / ADMIN_KEY were not set outside production. Deleting this file invalidates issued user tokens.',
  }, null, 2)}\n`;
}

function publishPrivateFile(path: string, body: string): boolean {
  const temp = `${path}.${process.pid}.tmp`;
  unlinkIfPresent(temp); // left by a start killed mid-write
  const fd = openSync(temp, 'wx', SECRETS_FILE_MODE);
  try {
    writeSync(fd, body);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, path);
    return true;
  } catch (error) {
    if (isErrno(error, 'EEXIST')) return false;
    throw new SecretsFileError(path, `cannot be created (${errorCode(error)}); set AUTH_SECRET, ADMIN_KEY and TICKET_SIGNING_KEY, or make the directory writable`);
  } finally {
    unlinkSync(temp);
  }
}

function unlinkIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if (!isErrno(error, 'ENOENT')) throw error;
  }
}

function isErrno(error: unknown, code: string): boolean {
  return errorCode(error) === code;
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : String(error);
}
