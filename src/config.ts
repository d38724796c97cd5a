/**
 * Environment -> typed, validated configuration, read once at start-up.
 * A bad value throws ConfigError with one line naming the variable, so the operator fixes the right thing.
 */
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import type { EngineLimits } from './domain/engine.js';
import { DURABILITIES, type Durability } from './persistence/durability.js';
import { generateSecrets, type Secrets } from './secrets.js';
import { parseTicketSigningKey, toPkcs8Pem } from './tickets/signing-key.js';

export type NodeEnv = 'development' | 'production' | 'test';

export interface Config {
  nodeEnv: NodeEnv;
  isProduction: boolean;
  port: number;
  host: string;
  dbPath: string;
  /** DB_SYNCHRONOUS */
  durability: Durability;
  authSecret: string;
  adminKey: string;
  /** TICKET_SIGNING_KEY: the Ed25519 key that signs tickets, as a PKCS8 PEM. */
  ticketSigningKey: string;
  /** SCANNER_KEY: door staff's key for check-ins (X-Scanner-Key), or null when only the admin key may scan. */
  scannerKey: string | null;
  /** The secret variables that were unset (never in production) and so came from the SecretsProvider. */
  generatedSecrets: SecretVariable[];
  logLevel: string;
  limits: EngineLimits;
  http: { bodyLimitBytes: number; requestTimeoutMs: number; connectionTimeoutMs: number; keepAliveTimeoutMs: number };
  rateLimit: { tokenIssuePerMinute: number; demoTokenPerMinute: number };
  demoTokenTtlSeconds: number;
  ws: { maxSubscribersPerSchedule: number; maxBufferedBytes: number; heartbeatMs: number };
  /** Webhook deliveries: how long a receiver may take, and attempts before a delivery is parked (the same on every node). */
  webhooks: { timeoutMs: number; maxAttempts: number; concurrencyPerEndpoint: number };
  /** Cluster mode, when NATS_URL is set; null runs the embedded default (one process, one SQLite file). */
  cluster: ClusterConfig | null;
}

export interface ClusterConfig {
  natsServers: string[];
  nodeId: string;
  clusterName: string;
  replicas: number;
  leaseTtlMs: number;
  /** This node's replica of the state, rebuilt from the command log at every start. */
  replicaDbPath: string;
}

export class ConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

export type SecretVariable = 'AUTH_SECRET' | 'ADMIN_KEY' | 'TICKET_SIGNING_KEY';

/**
 * Supplies the secrets that the environment leaves unset outside production, given DB_PATH. The default
 * makes fresh in-memory ones; the server keeps them beside the database instead (src/secrets.ts).
 */
export type SecretsProvider = (dbPath: string) => Secrets;

/** Production may be reached from anywhere (the Docker image sets HOST=0.0.0.0); elsewhere only from this machine. */
const PRODUCTION_DEFAULT_HOST = '0.0.0.0';
const DEVELOPMENT_DEFAULT_HOST = '127.0.0.1';

/** HS256 keys shorter than the hash output weaken the signature; admin keys must resist guessing. */
const PRODUCTION_AUTH_SECRET_MIN_LENGTH = 32;
const PRODUCTION_ADMIN_KEY_MIN_LENGTH = 16;
const PRODUCTION_SCANNER_KEY_MIN_LENGTH = 16;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const NODE_ENVS = ['development', 'production', 'test'] as const;

const SECONDS_PER_DAY = 86_400;
const MAX_MONEY = Number.MAX_SAFE_INTEGER;

type Env = Record<string, string | undefined>;

/** An empty value counts as unset, as docker-compose and shells often produce `VAR=`. */
function raw(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!/^-?\d+$/.test(value)) {
    throw new ConfigError(name, `must be an integer between ${min} and ${max}, got "${value}"`);
  }
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw new ConfigError(name, `must be an integer between ${min} and ${max}, got "${value}"`);
  }
  return parsed;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T, caseInsensitive = false): T {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  const candidate = caseInsensitive ? value.toUpperCase() : value;
  const match = allowed.find((option) => option === candidate);
  if (match === undefined) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${value}"`);
  }
  return match;
}

function text(env: Env, name: string, fallback: string): string {
  return raw(env, name) ?? fallback;
}

function secret(env: Env, name: string, isProduction: boolean, minProductionLength: number): string | undefined {
  const value = raw(env, name);
  if (value === undefined) {
    if (isProduction) throw new ConfigError(name, 'is required when NODE_ENV=production');
    return undefined;
  }
  if (isProduction && value.length < minProductionLength) {
    throw new ConfigError(name, `must be at least ${minProductionLength} characters when NODE_ENV=production`);
  }
  return value;
}

/** TICKET_SIGNING_KEY as a PKCS8 PEM (given as PEM or base64 DER), undefined when unset outside production. */
function ticketSigningKey(env: Env, isProduction: boolean): string | undefined {
  const value = secret(env, 'TICKET_SIGNING_KEY', isProduction, 0);
  if (value === undefined) return undefined;
  const parsed = parseTicketSigningKey(value);
  if (!parsed.ok) throw new ConfigError('TICKET_SIGNING_KEY', parsed.reason);
  return toPkcs8Pem(parsed.key);
}

type ConfigSecrets = Pick<Config, 'authSecret' | 'adminKey' | 'ticketSigningKey' | 'generatedSecrets'>;

/** The secrets the environment leaves unset (never in production: secret() has thrown) come from the provider. */
function completeSecrets(given: Partial<Secrets>, provide: () => Secrets): ConfigSecrets {
  const { authSecret, adminKey, ticketSigningKey: ticketKey } = given;
  if (authSecret !== undefined && adminKey !== undefined && ticketKey !== undefined) {
    return { authSecret, adminKey, ticketSigningKey: ticketKey, generatedSecrets: [] };
  }
  const provided = provide();
  return {
    authSecret: authSecret ?? provided.authSecret,
    adminKey: adminKey ?? provided.adminKey,
    ticketSigningKey: ticketKey ?? provided.ticketSigningKey,
    generatedSecrets: [
      ...(authSecret === undefined ? ['AUTH_SECRET' as const] : []),
      ...(adminKey === undefined ? ['ADMIN_KEY' as const] : []),
      ...(ticketKey === undefined ? ['TICKET_SIGNING_KEY' as const] : []),
    ],
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, provideSecrets: SecretsProvider = () => generateSecrets()): Config {
  const nodeEnv = oneOf(env, 'NODE_ENV', NODE_ENVS, 'development');
  const isProduction = nodeEnv === 'production';
  const dbPath = text(env, 'DB_PATH', './data/booking.db');

  const authSecret = secret(env, 'AUTH_SECRET', isProduction, PRODUCTION_AUTH_SECRET_MIN_LENGTH);
  const adminKey = secret(env, 'ADMIN_KEY', isProduction, PRODUCTION_ADMIN_KEY_MIN_LENGTH);
  const ticketKey = ticketSigningKey(env, isProduction);
  // Optional everywhere: without it only the admin key checks tickets in.
  const scannerKey = secret(env, 'SCANNER_KEY', false, 0) ?? null;
  if (isProduction && scannerKey !== null && scannerKey.length < PRODUCTION_SCANNER_KEY_MIN_LENGTH) {
    throw new ConfigError('SCANNER_KEY', `must be at least ${PRODUCTION_SCANNER_KEY_MIN_LENGTH} characters when NODE_ENV=production`);
  }

  const limits: EngineLimits = {
    holdTtlMs: integer(env, 'HOLD_TTL_SECONDS', 300, 1, SECONDS_PER_DAY) * 1000,
    queueMaxActive: integer(env, 'QUEUE_MAX_ACTIVE', 100, 1, 1_000_000),
    queueActiveTtlMs: integer(env, 'QUEUE_ACTIVE_TTL_SECONDS', 600, 1, SECONDS_PER_DAY) * 1000,
    queueWaitingIdleMs: integer(env, 'QUEUE_WAITING_IDLE_SECONDS', 120, 1, SECONDS_PER_DAY) * 1000,
    maxSeatsPerReservation: integer(env, 'MAX_SEATS_PER_RESERVATION', 4, 1, 100),
    chargeMax: integer(env, 'CHARGE_MAX', 1_000_000, 1, MAX_MONEY),
    balanceMax: integer(env, 'BALANCE_MAX', 10_000_000, 1, MAX_MONEY),
    monthlyChargeMax: integer(env, 'MONTHLY_CHARGE_MAX', 5_000_000, 1, MAX_MONEY),
    waitlistOfferTtlMs: integer(env, 'WAITLIST_OFFER_SECONDS', 600, 1, SECONDS_PER_DAY) * 1000,
    waitlistMaxEntries: integer(env, 'WAITLIST_MAX_ENTRIES', 20_000, 1, 1_000_000),
  };

  const settings: Omit<Config, keyof ConfigSecrets | 'cluster'> = {
    nodeEnv,
    isProduction,
    port: integer(env, 'PORT', 3000, 0, 65_535),
    host: text(env, 'HOST', isProduction ? PRODUCTION_DEFAULT_HOST : DEVELOPMENT_DEFAULT_HOST),
    dbPath,
    scannerKey,
    durability: oneOf(env, 'DB_SYNCHRONOUS', DURABILITIES, 'FULL', true),
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    limits,
    http: {
      bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 65_536, 1_024, 16 * 1_048_576),
      requestTimeoutMs: integer(env, 'REQUEST_TIMEOUT_MS', 30_000, 1_000, 600_000),
      // 0 = no idle timeout on the socket: WebSocket connections live long and carry their own heartbeat.
      connectionTimeoutMs: integer(env, 'CONNECTION_TIMEOUT_MS', 0, 0, 3_600_000),
      keepAliveTimeoutMs: integer(env, 'KEEP_ALIVE_TIMEOUT_MS', 72_000, 1_000, 600_000),
    },
    rateLimit: {
      tokenIssuePerMinute: integer(env, 'RATE_LIMIT_TOKENS_PER_MINUTE', 30, 1, 1_000_000_000),
      demoTokenPerMinute: integer(env, 'RATE_LIMIT_DEMO_TOKENS_PER_MINUTE', 60, 1, 1_000_000_000),
    },
    demoTokenTtlSeconds: integer(env, 'DEMO_TOKEN_TTL_SECONDS', 3_600, 60, 30 * SECONDS_PER_DAY),
    ws: {
      maxSubscribersPerSchedule: integer(env, 'WS_MAX_SUBSCRIBERS_PER_SCHEDULE', 10_000, 1, 1_000_000),
      maxBufferedBytes: integer(env, 'WS_MAX_BUFFERED_BYTES', 1_048_576, 1_024, 1_073_741_824),
      heartbeatMs: integer(env, 'WS_HEARTBEAT_MS', 30_000, 1_000, 600_000),
    },
    webhooks: {
      timeoutMs: integer(env, 'WEBHOOK_TIMEOUT_SECONDS', 10, 1, 60) * 1000,
      maxAttempts: integer(env, 'WEBHOOK_MAX_ATTEMPTS', 10, 1, 50),
      concurrencyPerEndpoint: integer(env, 'WEBHOOK_CONCURRENCY_PER_ENDPOINT', 8, 1, 100),
    },
  };
  const cluster = clusterConfig(env, settings.port, dbPath, { authSecret, adminKey, ticketSigningKey: ticketKey });
  // Last, once every variable is valid: the server's provider writes a file.
  return { ...settings, cluster, ...completeSecrets({ authSecret, adminKey, ticketSigningKey: ticketKey }, () => provideSecrets(dbPath)) };
}

function clusterConfig(env: Env, port: number, dbPath: string, secrets: Partial<Secrets>): ClusterConfig | null {
  const { authSecret, adminKey } = secrets;
  const urls = raw(env, 'NATS_URL');
  if (urls === undefined) return null;
  const natsServers = urls.split(',').map((url) => url.trim()).filter((url) => url !== '');
  for (const url of natsServers) {
    if (!/^(nats|tls):\/\/[^\s/]+$/.test(url)) throw new ConfigError('NATS_URL', `must be comma-separated nats://host:port URLs, got "${url.replace(/\/\/[^@/]*@/, '//')}"`);
  }
  // Every node must verify the tokens any other node minted: secrets generated per data directory would differ.
  if (authSecret === undefined) throw new ConfigError('AUTH_SECRET', 'is required in cluster mode (NATS_URL set): every node must share it');
  if (adminKey === undefined) throw new ConfigError('ADMIN_KEY', 'is required in cluster mode (NATS_URL set): every node must share it');
  // A ticket sold through one node is scanned at a door served by another.
  if (secrets.ticketSigningKey === undefined) throw new ConfigError('TICKET_SIGNING_KEY', 'is required in cluster mode (NATS_URL set): every node must share it');
  const nodeId = text(env, 'NODE_ID', `${hostname()}-${port}`);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(nodeId)) throw new ConfigError('NODE_ID', `must be 1-64 letters, digits, '-' or '_', got "${nodeId}"`);
  const clusterName = text(env, 'CLUSTER_NAME', 'booking');
  if (!/^[a-z][a-z0-9_-]{0,31}$/.test(clusterName)) throw new ConfigError('CLUSTER_NAME', `must be 1-32 lowercase letters, digits, '-' or '_', got "${clusterName}"`);
  const defaultReplica = dbPath === ':memory:' ? ':memory:' : join(dirname(dbPath), `replica-${nodeId}.db`);
  return {
    natsServers,
    nodeId,
    clusterName,
    replicas: integer(env, 'CLUSTER_REPLICAS', 3, 1, 5),
    leaseTtlMs: integer(env, 'CLUSTER_LEASE_TTL_MS', 3_000, 500, 60_000),
    replicaDbPath: text(env, 'CLUSTER_REPLICA_DB_PATH', defaultReplica),
  };
}
