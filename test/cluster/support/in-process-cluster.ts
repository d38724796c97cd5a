/**
 * Three booking nodes in one process on a three-server JetStream cluster (nats-servers on free loopback
 * ports, each with its own store under a temp dir), for the cluster integration tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNatsServers } from '../../../scripts/nats-servers.mjs';
import { createClusterEngine, type ClusterEngine } from '../../../src/cluster/cluster-engine.js';
import { DEFAULT_LIMITS, type EngineLimits } from '../../../src/domain/engine.js';

/** Waits until `check` holds, polling every 20 ms. */
export async function until(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface InProcessCluster {
  readonly nodes: ClusterEngine[];
  /** A node (new, or again after its close) on its own replica file; not started. */
  node(id: string): ClusterEngine;
  stop(): Promise<void>;
}

/** Nodes a, b and c started, once one of them leads. */
export async function startInProcessCluster(name: string, limits: Partial<EngineLimits> = {}): Promise<InProcessCluster> {
  const dir = mkdtempSync(join(tmpdir(), `cluster-${name}-`));
  const nats = await startNatsServers({ dir, count: 3 });
  const node = (id: string): ClusterEngine => createClusterEngine({
    nodeId: id, natsServers: nats.urls, clusterName: name, replicas: 3, leaseTtlMs: 2_000,
    replicaDbPath: join(dir, `${id}.db`), limits: { ...DEFAULT_LIMITS, ...limits },
  });
  const nodes = ['a', 'b', 'c'].map(node);
  await Promise.all(nodes.map((n) => n.start()));
  await until(() => nodes.some((n) => n.replication().leader));
  return {
    nodes,
    node,
    async stop() {
      await Promise.all(nodes.map((n) => n.close()));
      await nats.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
