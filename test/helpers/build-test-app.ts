/**
 * Builds the real app on the real engine for tests, driven with `app.inject`.
 *
 *   const t = await buildTestApp();                         // ManualClock, temp-file DB, engine started
 *   afterEach(() => t.close());                             // closes the app, then the engine, removes the temp dir
 *   const res = await t.app.inject({ method: 'GET', url: '/v1/concerts' });
 *   t.clock.advance(300_000);                               // ManualClock: holds expire without waiting
 *
 * Options (all optional):
 *   config     partial Config merged over testConfig() (nested objects merge: { limits: { holdTtlMs: 5_000 } })
 *   clock      'manual' (default, starts 2026-01-01T00:00:00Z) | 'system' | a Clock instance
 *   database   'file' (default, a fresh temp dir) | 'memory'; or dbPath to reopen an existing file (restart tests)
 *   start      default true; false leaves the engine recovering (for /ready and NOT_READY tests)
 *   seedDemo   default false; true seeds the demo catalogue after start
 *   logger     default false; true logs through the app's logger options (LOG_LEVEL from config)
 *
 * testConfig() is loadConfig() for NODE_ENV=test with fixed secrets, silent logs and rate limits high
 * enough that tests minting many tokens from one address are not throttled (override to test limits).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createEngine } from '../../src/actors/engine.js';
import type { EngineOptions } from '../../src/actors/engine-options.js';
import { ManualClock, SystemClock, type Clock } from '../../src/actors/clock.js';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { BookingEngine } from '../../src/domain/engine.js';

export const TEST_AUTH_SECRET = 'test-auth-secret-0123456789abcdef0123456789';
export const TEST_ADMIN_KEY = 'test-admin-key-0123456789';
/** Ed25519 PKCS8 DER in base64, fixed so that a restarted test app verifies the tickets it signed before. */
export const TEST_TICKET_SIGNING_KEY = 'MC4CAQAwBQYDK2VwBCIEIAkvDTL82ERpt9kmO065rQmoUR39dvzWiMeEuNBjbdR+';

type ConfigOverrides = { [K in keyof Config]?: Config[K] extends object ? Partial<Config[K]> : Config[K] };

export function testConfig(overrides: ConfigOverrides = {}): Config {
  const base = loadConfig({
    NODE_ENV: 'test',
    AUTH_SECRET: TEST_AUTH_SECRET,
    ADMIN_KEY: TEST_ADMIN_KEY,
    TICKET_SIGNING_KEY: TEST_TICKET_SIGNING_KEY,
    LOG_LEVEL: 'silent',
    DB_PATH: ':memory:',
    PORT: '0',
    HOST: '127.0.0.1',
    RATE_LIMIT_TOKENS_PER_MINUTE: '1000000',
    RATE_LIMIT_DEMO_TOKENS_PER_MINUTE: '1000000',
  });
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const current = merged[key];
    merged[key] = value !== null && typeof value === 'object' && typeof current === 'object' && current !== null
      ? { ...current, ...value }
      : value;
  }
  return merged as unknown as Config;
}

export interface TestAppOptions<C extends Clock = ManualClock> {
  config?: ConfigOverrides;
  clock?: 'manual' | 'system' | C;
  database?: 'file' | 'memory';
  dbPath?: string;
  start?: boolean;
  seedDemo?: boolean;
  logger?: boolean;
  /** Extra engine options (randomBytes, onFatal); dbPath, limits, durability and clock come from above. */
  engine?: Partial<EngineOptions>;
}

export interface TestApp<C extends Clock = ManualClock> {
  app: FastifyInstance;
  engine: BookingEngine;
  clock: C;
  config: Config;
  /** The SQLite file (or ':memory:'); build another app on it to test a restart after close(). */
  dbPath: string;
  /** Closes the app, then the engine; removes the temp dir unless `keepDatabase` is true. */
  close(options?: { keepDatabase?: boolean }): Promise<void>;
}

function makeClock<C extends Clock>(choice: TestAppOptions<C>['clock']): C {
  if (choice === undefined || choice === 'manual') return new ManualClock() as unknown as C;
  if (choice === 'system') return new SystemClock() as unknown as C;
  return choice;
}

export async function buildTestApp<C extends Clock = ManualClock>(options: TestAppOptions<C> = {}): Promise<TestApp<C>> {
  const clock = makeClock<C>(options.clock);
  const tempDir = options.dbPath === undefined && options.database !== 'memory'
    ? mkdtempSync(join(tmpdir(), 'booking-test-'))
    : undefined;
  const dbPath = options.dbPath ?? (tempDir === undefined ? ':memory:' : join(tempDir, 'booking.db'));
  const config = testConfig({ ...options.config, dbPath });

  const engine = createEngine({
    ...options.engine,
    dbPath,
    limits: config.limits,
    durability: config.durability,
    clock,
  });
  let app: FastifyInstance;
  try {
    app = await buildApp({ config, engine, logger: options.logger ?? false });
    await app.ready();
    if (options.start !== false) await engine.start();
    if (options.seedDemo === true) await engine.seedDemo();
  } catch (error) {
    await engine.close();
    if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true });
    throw error;
  }

  let closed = false;
  return {
    app, engine, clock, config, dbPath,
    async close({ keepDatabase = false } = {}) {
      if (closed) return;
      closed = true;
      await app.close();
      await engine.close();
      if (tempDir !== undefined && !keepDatabase) rmSync(tempDir, { recursive: true, force: true });
    },
  };
}
