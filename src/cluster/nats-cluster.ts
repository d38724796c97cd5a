/**
 * The cluster's footing on NATS: one connection per node, the replicated command log (a JetStream
 * stream with one subject), the lease bucket (KV with a TTL) and the subject commands are forwarded on.
 * Creating them is idempotent, so every node may try at start-up.
 */
import { jetstream, jetstreamManager, JetStreamApiCodes, JetStreamApiError, RetentionPolicy, StorageType, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';

export interface ClusterNames {
  /** The stream holding the command log. */
  stream: string;
  /** Its only subject: one subject, one order. */
  logSubject: string;
  /** Where nodes send commands for the leader to append (request/reply). */
  commandSubject: string;
  /** KV bucket of the leader's lease. */
  leaseBucket: string;
}

export function clusterNames(prefix: string): ClusterNames {
  const upper = prefix.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
  return { stream: `${upper}_LOG`, logSubject: `${prefix}.log`, commandSubject: `${prefix}.commands`, leaseBucket: `${prefix}_lease` };
}

export interface NatsClusterOptions {
  servers: string[];
  nodeId: string;
  names: ClusterNames;
  /** JetStream replicas of the log and the lease (3 in production: one server may die). */
  replicas: number;
  leaseTtlMs: number;
  /** The largest entry the leader appends (NATS' max_payload is 1 MB by default). */
  maxEntryBytes: number;
}

export interface NatsCluster {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  lease: KV;
  names: ClusterNames;
}

export async function openNatsCluster(options: NatsClusterOptions): Promise<NatsCluster> {
  const nc = await connect({
    servers: options.servers,
    name: `booking-${options.nodeId}`,
    // A node outlives any one server: it reconnects to the others for as long as it runs.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    pingInterval: 2_000,
    maxPingOut: 3,
  });
  try {
    const deadline = performance.now() + JETSTREAM_READY_TIMEOUT_MS;
    const jsm = await retrying(deadline, () => jetstreamManager(nc, { timeout: 2_000 }));
    // Short: an append or a lease renewal sent to a server that just died is in doubt until this passes, and
    // the leader retries it (a command applies once) rather than stall the log for the default 10 s.
    const js = jetstream(nc, { timeout: JETSTREAM_OPERATION_TIMEOUT_MS });
    await retrying(deadline, () => ensureLogStream(jsm, options));
    const lease = await retrying(deadline, () => new Kvm(js).create(options.names.leaseBucket, { ttl: options.leaseTtlMs, replicas: options.replicas, history: 1 }));
    return { nc, js, jsm, lease, names: options.names };
  } catch (error) {
    await nc.close();
    throw error;
  }
}

/** How long a node waits for JetStream at start-up (a cluster just started elects its meta leader first). */
const JETSTREAM_READY_TIMEOUT_MS = 60_000;
const JETSTREAM_OPERATION_TIMEOUT_MS = 2_000;

/**
 * A JetStream cluster that has just formed drops API requests until its meta leader is known, and
 * several nodes creating the stream and the bucket at once may time out while it places them: ask again.
 */
async function retrying<T>(deadline: number, attempt: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

async function ensureLogStream(jsm: JetStreamManager, options: NatsClusterOptions): Promise<void> {
  const { stream, logSubject } = options.names;
  try {
    await jsm.streams.info(stream);
    return;
  } catch (error) {
    if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
  }
  try {
    await jsm.streams.add({
      name: stream,
      subjects: [logSubject],
      num_replicas: options.replicas,
      storage: StorageType.File,
      // The log is the state's only durable source: nothing ages out of it.
      retention: RetentionPolicy.Limits,
      max_msg_size: options.maxEntryBytes,
    });
  } catch (error) {
    // Another node created it between our look and our add.
    if (error instanceof JetStreamApiError && error.message.includes('already in use')) return;
    throw error;
  }
}

/** True when an append was refused because the log moved on: another leader appended (fencing). */
export function isWrongLastSequence(error: unknown): boolean {
  return error instanceof JetStreamApiError && ((error.code === JetStreamApiCodes.StreamWrongLastSequence || error.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown) || /wrong last sequence/i.test(error.message));
}
