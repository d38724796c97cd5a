import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type SecretsProvider } from '../src/config.js';

/** An Ed25519 PKCS8 key as the base64 of its DER (tests only). */
const TICKET_KEY = 'MC4CAQAwBQYDK2VwBCIEIER6eWZ5/hflaMeBeAoKXbhxc8R4+vdVESG0QP29Y/1A';
const PROVIDED_TICKET_KEY = '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIDiuAN9wyX5gvVrrIaqA903XlLy/MNbTo77XyPhZFM1K\n-----END PRIVATE KEY-----\n';

const PRODUCTION_SECRETS = {
  NODE_ENV: 'production',
  AUTH_SECRET: 'a'.repeat(32),
  ADMIN_KEY: 'b'.repeat(16),
  TICKET_SIGNING_KEY: TICKET_KEY,
};

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('given an empty environment, when loaded, then the contract defaults apply', () => {
    const config = loadConfig({});

    expect(config).toMatchObject({
      nodeEnv: 'development',
      isProduction: false,
      port: 3000,
      host: '127.0.0.1',
      dbPath: './data/booking.db',
      durability: 'FULL',
      logLevel: 'info',
      generatedSecrets: ['AUTH_SECRET', 'ADMIN_KEY', 'TICKET_SIGNING_KEY'],
      scannerKey: null,
    });
    expect(config.ticketSigningKey).toContain('-----BEGIN PRIVATE KEY-----');
    expect(config.authSecret.length).toBeGreaterThanOrEqual(32);
    expect(config.adminKey.length).toBeGreaterThanOrEqual(16);
    expect(config.limits).toEqual({
      holdTtlMs: 300_000,
      queueMaxActive: 100,
      queueActiveTtlMs: 600_000,
      queueWaitingIdleMs: 120_000,
      maxSeatsPerReservation: 4,
      chargeMax: 1_000_000,
      balanceMax: 10_000_000,
      monthlyChargeMax: 5_000_000,
      waitlistOfferTtlMs: 600_000,
      waitlistMaxEntries: 20_000,
    });
    expect(config.http.bodyLimitBytes).toBe(65_536);
    expect(config.ws.heartbeatMs).toBe(30_000);
  });

  it('given seconds in the environment, when loaded, then limits carry milliseconds', () => {
    const config = loadConfig({ HOLD_TTL_SECONDS: '5', QUEUE_ACTIVE_TTL_SECONDS: '7', QUEUE_WAITING_IDLE_SECONDS: '9' });

    expect(config.limits.holdTtlMs).toBe(5_000);
    expect(config.limits.queueActiveTtlMs).toBe(7_000);
    expect(config.limits.queueWaitingIdleMs).toBe(9_000);
  });

  it('given every variable set, when loaded, then each lands in its field', () => {
    const config = loadConfig({
      ...PRODUCTION_SECRETS,
      PORT: '8080', HOST: '127.0.0.1', DB_PATH: '/data/x.db', DB_SYNCHRONOUS: 'normal', LOG_LEVEL: 'warn',
      QUEUE_MAX_ACTIVE: '50', MAX_SEATS_PER_RESERVATION: '2', CHARGE_MAX: '10', BALANCE_MAX: '20',
      MONTHLY_CHARGE_MAX: '30', BODY_LIMIT_BYTES: '2048', REQUEST_TIMEOUT_MS: '5000',
      CONNECTION_TIMEOUT_MS: '6000', KEEP_ALIVE_TIMEOUT_MS: '7000', RATE_LIMIT_TOKENS_PER_MINUTE: '11',
      RATE_LIMIT_DEMO_TOKENS_PER_MINUTE: '12', DEMO_TOKEN_TTL_SECONDS: '600',
      WS_MAX_SUBSCRIBERS_PER_SCHEDULE: '13', WS_MAX_BUFFERED_BYTES: '4096', WS_HEARTBEAT_MS: '2000',
    });

    expect(config).toMatchObject({
      nodeEnv: 'production', isProduction: true, port: 8080, host: '127.0.0.1', dbPath: '/data/x.db',
      durability: 'NORMAL', logLevel: 'warn', authSecret: 'a'.repeat(32), adminKey: 'b'.repeat(16),
      generatedSecrets: [],
      limits: { queueMaxActive: 50, maxSeatsPerReservation: 2, chargeMax: 10, balanceMax: 20, monthlyChargeMax: 30 },
      http: { bodyLimitBytes: 2048, requestTimeoutMs: 5000, connectionTimeoutMs: 6000, keepAliveTimeoutMs: 7000 },
      rateLimit: { tokenIssuePerMinute: 11, demoTokenPerMinute: 12 },
      demoTokenTtlSeconds: 600,
      ws: { maxSubscribersPerSchedule: 13, maxBufferedBytes: 4096, heartbeatMs: 2000 },
    });
  });

  it('given an empty value, when loaded, then it counts as unset', () => {
    expect(loadConfig({ PORT: '', LOG_LEVEL: '  ' })).toMatchObject({ port: 3000, logLevel: 'info' });
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '30.5'],
    ['HOLD_TTL_SECONDS', '0'],
    ['HOLD_TTL_SECONDS', '1e3'],
    ['QUEUE_MAX_ACTIVE', '0'],
    ['QUEUE_ACTIVE_TTL_SECONDS', 'ten'],
    ['QUEUE_WAITING_IDLE_SECONDS', '-5'],
    ['MAX_SEATS_PER_RESERVATION', '0'],
    ['CHARGE_MAX', '99999999999999999999'],
    ['BALANCE_MAX', '0'],
    ['MONTHLY_CHARGE_MAX', 'x'],
    ['LOG_LEVEL', 'verbose'],
    ['NODE_ENV', 'staging'],
    ['DB_SYNCHRONOUS', 'OFF'],
    ['BODY_LIMIT_BYTES', '10'],
    ['REQUEST_TIMEOUT_MS', '0'],
    ['CONNECTION_TIMEOUT_MS', 'forever'],
    ['KEEP_ALIVE_TIMEOUT_MS', '1'],
    ['RATE_LIMIT_TOKENS_PER_MINUTE', '0'],
    ['RATE_LIMIT_DEMO_TOKENS_PER_MINUTE', '1.5'],
    ['DEMO_TOKEN_TTL_SECONDS', '1'],
    ['WS_MAX_SUBSCRIBERS_PER_SCHEDULE', '0'],
    ['WS_MAX_BUFFERED_BYTES', '1'],
    ['WS_HEARTBEAT_MS', '10'],
  ])('given %s=%s, when loaded, then start-up stops with one line naming the variable', (variable, value) => {
    const error = configError({ [variable]: value });

    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable}: `)).toBe(true);
    expect(error.message).not.toContain('\n');
  });

  it.each(['AUTH_SECRET', 'ADMIN_KEY', 'TICKET_SIGNING_KEY'])('given production without %s, when loaded, then start-up is refused', (variable) => {
    const env: Record<string, string> = { ...PRODUCTION_SECRETS };
    delete env[variable];

    const error = configError(env);

    expect(error.variable).toBe(variable);
    expect(error.message).toContain('required when NODE_ENV=production');
  });

  it('given production with a short AUTH_SECRET, when loaded, then start-up is refused', () => {
    expect(configError({ ...PRODUCTION_SECRETS, AUTH_SECRET: 'short' }).variable).toBe('AUTH_SECRET');
  });

  it('given development without secrets, when loaded twice, then each load has its own random secrets, none from the source', () => {
    const first = loadConfig({});
    const second = loadConfig({});

    expect(second.authSecret).not.toBe(first.authSecret);
    expect(second.adminKey).not.toBe(first.adminKey);
    expect(first.authSecret).not.toBe(first.adminKey);
  });

  it('given development with only one secret, when loaded, then the other comes from the provider for DB_PATH', () => {
    const asked: string[] = [];
    const provider: SecretsProvider = (dbPath) => {
      asked.push(dbPath);
      return { authSecret: 'provided-auth-secret', adminKey: 'provided-admin-key', ticketSigningKey: PROVIDED_TICKET_KEY };
    };

    const config = loadConfig({ AUTH_SECRET: 'mine', DB_PATH: '/srv/booking/x.db' }, provider);

    expect(config).toMatchObject({ authSecret: 'mine', adminKey: 'provided-admin-key', ticketSigningKey: PROVIDED_TICKET_KEY, generatedSecrets: ['ADMIN_KEY', 'TICKET_SIGNING_KEY'] });
    expect(asked).toEqual(['/srv/booking/x.db']);
  });

  it.each([
    ['every secret is set', { AUTH_SECRET: 'mine', ADMIN_KEY: 'mine-too', TICKET_SIGNING_KEY: TICKET_KEY }],
    ['it is production without them', { NODE_ENV: 'production' }],
    ['another variable is invalid', { PORT: 'eighty' }],
  ])('given %s, when loaded, then the secrets provider is not asked (it writes a file)', (_case, env) => {
    let asked = 0;
    const provider: SecretsProvider = () => {
      asked++;
      return { authSecret: 'x'.repeat(32), adminKey: 'y'.repeat(16), ticketSigningKey: PROVIDED_TICKET_KEY };
    };

    try {
      loadConfig(env, provider);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
    }

    expect(asked).toBe(0);
  });

  it('given TICKET_SIGNING_KEY as base64 of its DER or as a PEM, when loaded, then both give the same PKCS8 PEM', () => {
    const pem = loadConfig({ TICKET_SIGNING_KEY: TICKET_KEY }).ticketSigningKey;

    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(loadConfig({ TICKET_SIGNING_KEY: pem }).ticketSigningKey).toBe(pem);
  });

  it.each([
    ['not a key', 'hello world'],
    ['an RSA-sized blob that is no key', 'A'.repeat(64)],
  ])('given TICKET_SIGNING_KEY that is %s, when loaded, then start-up stops naming it', (_case, value) => {
    expect(configError({ TICKET_SIGNING_KEY: value }).variable).toBe('TICKET_SIGNING_KEY');
  });

  it('given SCANNER_KEY, when loaded, then door staff have their own key; production refuses a short one', () => {
    expect(loadConfig({ SCANNER_KEY: 'door-key' }).scannerKey).toBe('door-key');
    expect(configError({ ...PRODUCTION_SECRETS, SCANNER_KEY: 'short' }).variable).toBe('SCANNER_KEY');
  });

  it.each([
    ['development', '127.0.0.1', {}],
    ['test', '127.0.0.1', { NODE_ENV: 'test' }],
    ['production', '0.0.0.0', PRODUCTION_SECRETS],
    ['development with HOST set', '0.0.0.0', { HOST: '0.0.0.0' }],
    ['production with HOST set', '10.0.0.5', { ...PRODUCTION_SECRETS, HOST: '10.0.0.5' }],
  ])('given %s, when loaded, then the server listens on %s', (_case, host, env) => {
    expect(loadConfig(env).host).toBe(host);
  });
});
