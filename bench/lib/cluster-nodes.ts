/**
 * A cluster for the benchmark: three nats-servers (JetStream, replicas 3, scripts/nats-servers.mjs) and
 * booking nodes started exactly like the embedded benchmark server (`node dist/server.js`, production
 * mode) plus NATS_URL, each with its own data directory. Nodes can be killed (SIGKILL) and started again
 * under the same NODE_ID; the leader is read from the lease in NATS, as the cluster itself decides it.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { startNatsServers, type NatsServerHandle } from '../../scripts/nats-servers.mjs';
import { HttpClient } from './http-client.js';
import { startRealServer, type BenchPaths, type ServerProcess } from './processes.js';
import { cpuSecondsOf, rssBytesOf } from './proc-stat.js';

export const BENCH_CLUSTER_NAME = 'bench';
/** The log stream's name for BENCH_CLUSTER_NAME (src/cluster/nats-cluster.ts clusterNames). */
const LOG_STREAM = 'BENCH_LOG';
const LEADER_POLL_MS = 50;

export interface BenchNode {
  id: string;
  server: ServerProcess;
}

export interface ClusterNodesOptions {
  dir: string;
  nodeCount: number;
  /** The lease TTL (CLUSTER_LEASE_TTL_MS); the server's default when omitted. */
  leaseTtlMs?: number;
  extraEnv?: Record<string, string>;
}

export class BenchCluster {
  readonly nodes: BenchNode[] = [];
  private observer: NatsConnection | null = null;

  private constructor(
    private readonly paths: BenchPaths,
    private readonly options: ClusterNodesOptions,
    private readonly nats: { servers: NatsServerHandle[]; urls: string[]; stop(): Promise<void> },
  ) {}

  static async start(paths: BenchPaths, options: ClusterNodesOptions): Promise<BenchCluster> {
    mkdirSync(options.dir, { recursive: true });
    const nats = await startNatsServers({ dir: join(options.dir, 'nats'), count: 3 });
    const cluster = new BenchCluster(paths, options, nats);
    try {
      const ids = Array.from({ length: options.nodeCount }, (_, i) => `node${i + 1}`);
      // All at once: a new JetStream cluster places the stream and the bucket while the nodes retry.
      const servers = await Promise.all(ids.map((id) => cluster.spawn(id)));
      ids.forEach((id, i) => cluster.nodes.push({ id, server: servers[i] as ServerProcess }));
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  private spawn(id: string): Promise<ServerProcess> {
    const dir = join(this.options.dir, id);
    mkdirSync(dir, { recursive: true });
    return startRealServer(this.paths, {
      name: `cluster-${id}`,
      dbPath: join(dir, 'booking.db'),
      // The node's replica is rebuilt from the log; its durability is the log's (a quorum of NATS servers).
      durability: 'NORMAL',
      readyTimeoutMs: 120_000,
      capture: /"level":(40|50|60)/,
      extraEnv: {
        NATS_URL: this.nats.urls.join(','),
        NODE_ID: id,
        CLUSTER_NAME: BENCH_CLUSTER_NAME,
        CLUSTER_REPLICAS: '3',
        ...(this.options.leaseTtlMs === undefined ? {} : { CLUSTER_LEASE_TTL_MS: String(this.options.leaseTtlMs) }),
        ...this.options.extraEnv,
      },
    });
  }

  node(id: string): BenchNode {
    const found = this.nodes.find((n) => n.id === id);
    if (found === undefined) throw new Error(`no node ${id}`);
    return found;
  }

  /** kill -9 of a node, as a crash. */
  async kill(id: string): Promise<void> {
    await this.node(id).server.kill();
  }

  /** Starts a killed node again under its id (a fresh replica rebuilt from the log); resolves when /ready. */
  async restart(id: string): Promise<ServerProcess> {
    const node = this.node(id);
    await node.server.kill();
    node.server = await this.spawn(id);
    return node.server;
  }

  /** The node holding the lease, as NATS says (null between leaders). */
  async leaderId(): Promise<string | null> {
    this.observer ??= await connect({ servers: this.nats.urls, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    try {
      const kv = await new Kvm(this.observer).open(`${BENCH_CLUSTER_NAME}_lease`);
      const entry = await kv.get('leader');
      return entry === null || entry.operation !== 'PUT' ? null : entry.string();
    } catch {
      return null;
    }
  }

  /** Waits for a leader other than `not` and returns its id. */
  async waitForLeader(not: string | null = null, timeoutMs = 30_000): Promise<string> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const leader = await this.leaderId();
      if (leader !== null && leader !== not) return leader;
      if (performance.now() > deadline) throw new Error(`no leader other than ${String(not)} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, LEADER_POLL_MS));
    }
  }

  /** The command log as JetStream holds it: entries (batches of commands) and bytes. */
  async logState(): Promise<{ entries: number; bytes: number }> {
    this.observer ??= await connect({ servers: this.nats.urls, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    const jsm = await jetstreamManager(this.observer);
    const info = await jsm.streams.info(LOG_STREAM);
    return { entries: info.state.messages, bytes: info.state.bytes };
  }

  /** CPU seconds so far of every nats-server, summed. */
  natsCpuSeconds(): number {
    return this.nats.servers.reduce((sum, s) => sum + (s.process?.pid === undefined ? 0 : cpuSecondsOf(s.process.pid)), 0);
  }

  natsRssBytes(): number[] {
    return this.nats.servers.map((s) => (s.process?.pid === undefined ? 0 : rssBytesOf(s.process.pid)));
  }

  async stop(): Promise<void> {
    await this.observer?.close().catch(() => undefined);
    await Promise.allSettled(this.nodes.map((n) => n.server.stop()));
    await this.nats.stop();
  }
}

/** nodejs_heap_size_used_bytes from a server's /metrics (not settled by a forced GC), or null. */
export async function heapUsedBytes(server: ServerProcess): Promise<number | null> {
  const client = new HttpClient(server.baseUrl, 1);
  try {
    const response = await client.request<string>('GET', '/metrics');
    const match = /^nodejs_heap_size_used_bytes (\d+(?:\.\d+)?)/m.exec(String(response.body));
    return match?.[1] === undefined ? null : Number(match[1]);
  } catch {
    return null;
  } finally {
    client.close();
  }
}
