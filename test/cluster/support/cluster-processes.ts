/**
 * A whole cluster as real processes on loopback: three nats-servers with JetStream (replicas 3) and
 * booking nodes (`node dist/server.js` with NATS_URL), each on its own port and replica file, so a test
 * can kill -9, SIGSTOP and add them like an operating system or an operator would.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { startNatsServers, type NatsServerHandle } from '../../../scripts/nats-servers.mjs';
import { sleep } from '../../reliability/support/http-client.js';
import { ServerProcess } from '../../reliability/support/server-process.js';

export const CLUSTER_NAME = 'booking';
export const LEASE_TTL_MS = 2_000;

export interface ClusterNode { id: string; server: ServerProcess }

export class ClusterProcesses {
  readonly nodes: ClusterNode[] = [];
  private observer: NatsConnection | null = null;

  private constructor(
    private readonly dir: string,
    readonly nats: Awaited<ReturnType<typeof startNatsServers>>,
    private readonly env: Record<string, string>,
  ) {}

  static async start(dir: string, nodeCount: number, env: Record<string, string> = {}): Promise<ClusterProcesses> {
    mkdirSync(dir, { recursive: true });
    const nats = await startNatsServers({ dir: join(dir, 'nats'), count: 3 });
    const cluster = new ClusterProcesses(dir, nats, env);
    for (let i = 1; i <= nodeCount; i++) await cluster.addNode(false);
    await Promise.all(cluster.nodes.map((node) => node.server.start()));
    return cluster;
  }

  /** A new node with its own replica; started (and caught up: /ready) unless told not to. */
  async addNode(start = true): Promise<ClusterNode> {
    const id = `node${this.nodes.length + 1}`;
    const server = await ServerProcess.create({
      dbPath: join(this.dir, id, 'booking.db'),
      logPath: join(this.dir, `${id}.log`),
      env: {
        NATS_URL: this.nats.urls.join(','),
        NODE_ID: id,
        CLUSTER_NAME,
        CLUSTER_REPLICAS: '3',
        CLUSTER_LEASE_TTL_MS: String(LEASE_TTL_MS),
        LOG_LEVEL: 'info',
        ...this.env,
      },
    });
    const node = { id, server };
    this.nodes.push(node);
    if (start) await server.start();
    return node;
  }

  get running(): ClusterNode[] {
    return this.nodes.filter((node) => node.server.running);
  }

  node(id: string): ClusterNode {
    const found = this.nodes.find((node) => node.id === id);
    if (found === undefined) throw new Error(`no node ${id}`);
    return found;
  }

  /** The node holding the lease, as NATS says (null between leaders). */
  async leaderId(): Promise<string | null> {
    this.observer ??= await connect({ servers: this.nats.urls, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    try {
      const kv = await new Kvm(this.observer).open(`${CLUSTER_NAME}_lease`);
      const entry = await kv.get('leader', { timeout: 1_000 } as never);
      return entry === null || entry.operation !== 'PUT' ? null : entry.string();
    } catch {
      return null;
    }
  }

  /** The nats-server leading the command log's stream (its Raft leader): the worst one to lose. */
  async streamLeaderServer(): Promise<NatsServerHandle> {
    this.observer ??= await connect({ servers: this.nats.urls, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    const info = await (await jetstreamManager(this.observer)).streams.info(`${CLUSTER_NAME.toUpperCase()}_LOG`);
    const server = this.nats.servers.find((s) => s.name === info.cluster?.leader);
    if (server === undefined) throw new Error(`stream leader ${info.cluster?.leader} is not one of ours`);
    return server;
  }

  /** Waits for a leader other than `not` (and returns it). */
  async waitForLeader(not: string | null = null, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const leader = await this.leaderId();
      if (leader !== null && leader !== not) return leader;
      if (Date.now() > deadline) throw new Error(`no leader other than ${not} within ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  async stop(): Promise<void> {
    await this.observer?.close();
    await Promise.all(this.nodes.map((node) => node.server.kill()));
    await this.nats.stop();
  }
}
