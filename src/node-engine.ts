/**
 * Which engine this process runs: the embedded one (one SQLite file) or a cluster node (a replica fed by
 * the NATS command log) when NATS_URL is set. Both are a BookingEngine; the app never asks which.
 */
import type { Logger } from 'pino';
import { createEngine } from './actors/engine.js';
import type { Config } from './config.js';
import type { BookingEngine } from './domain/engine.js';
import { DEFAULT_WEBHOOK_RETRY, type WebhookRetryPolicy } from './domain/webhooks.js';

export interface NodeEngine {
  engine: BookingEngine;
  /** Seeds the demo catalogue into an empty engine (in a cluster: once, whichever nodes ask). */
  seedDemo(): Promise<number>;
  /** What the start-up log says about where state lives. */
  describe: Record<string, unknown>;
}

export async function createNodeEngine(config: Config, logger: Logger): Promise<NodeEngine> {
  const cluster = config.cluster;
  const webhookRetry: WebhookRetryPolicy = { ...DEFAULT_WEBHOOK_RETRY, maxAttempts: config.webhooks.maxAttempts };
  if (cluster === null) {
    const engine = createEngine({ dbPath: config.dbPath, limits: config.limits, durability: config.durability, webhookRetry, logger: logger.child({ component: 'engine' }) });
    return { engine, seedDemo: () => engine.seedDemo(), describe: { mode: 'embedded', dbPath: config.dbPath, durability: config.durability } };
  }
  // Loaded only in cluster mode: the embedded default never loads the NATS client.
  const { createClusterEngine } = await import('./cluster/cluster-engine.js');
  const engine = createClusterEngine({ ...cluster, limits: config.limits, webhookRetry, logger: logger.child({ component: 'cluster', nodeId: cluster.nodeId }) });
  return {
    engine,
    seedDemo: () => engine.seedDemo(),
    // NATS URLs may carry credentials (nats://user:password@host): only hosts and ports reach the log.
    describe: { mode: 'cluster', nodeId: cluster.nodeId, nats: cluster.natsServers.map(withoutCredentials), replicas: cluster.replicas, replicaDbPath: cluster.replicaDbPath },
  };
}

function withoutCredentials(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//');
}
