import type { Logger } from 'pino';
import type { EngineLimits } from '../domain/engine.js';
import type { WebhookRetryPolicy } from '../domain/webhooks.js';
import type { Durability } from '../persistence/durability.js';
import type { Clock } from './clock.js';

export interface EngineOptions {
  /** SQLite file path, or ':memory:' for tests that need no restart. */
  dbPath: string;
  limits: EngineLimits;
  /** synchronous=FULL survives power loss; NORMAL (WAL) may lose the last commits on power loss, never on a process crash. */
  durability?: Durability;
  clock?: Clock;
  logger?: Logger;
  /** Random bytes source (tests make it deterministic). */
  randomBytes?: (size: number) => Buffer;
  /** PASSIVE WAL checkpoints from a worker thread every this many ms; 0 leaves them to SQLite's writer. Default 1000. */
  walCheckpointIntervalMs?: number;
  /** The WAL is rewound once a checkpoint has copied back this many pages of it (default 1,024: 4 MB). */
  walRewindAfterPages?: number;
  /** Recovery reads a waiting room of at least this many tokens in a worker thread (default 50,000; tests lower it). */
  queueLoadOffThreadMinTokens?: number;
  /**
   * Cluster replicas: presence (polls, open queue sockets) must reach every replica through the command
   * log, so the engine neither touches tokens on a poll nor counts sockets itself; `touchQueueTokens`
   * applies the logged presence. Default false (the embedded engine counts presence directly).
   */
  replicatedPresence?: boolean;
  /** When a failed webhook delivery is tried again, and when it is parked (default DEFAULT_WEBHOOK_RETRY). In a cluster, the same on every node. */
  webhookRetry?: WebhookRetryPolicy;
  /** Called when a commit fails: the default exits the process (fail-stop). */
  onFatal?: (error: unknown) => void;
}
