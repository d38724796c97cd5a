/**
 * Operations endpoints: liveness (/health), readiness (/ready: 503 until recovery has finished) and
 * Prometheus metrics (/metrics). Wrapped in fastify-plugin so the latency hook sees every route.
 */
import type { FastifyInstance, onResponseHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';
import { Type } from 'typebox';
import { errorResponseSchema, sendError } from './errors.js';
import { RequestLatencyHistogram } from './request-latency.js';
import type { BookingEngine, ReplicationStatus } from '../domain/engine.js';

/**
 * Process metrics (CPU, memory, event-loop lag, GC) describe the process, not an app, and their collectors
 * install process-wide observers: registered once per process, shared by every app built in it.
 */
let processRegistry: Registry | undefined;
function sharedProcessRegistry(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

const LATENCY_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const COMMIT_BUCKETS_SECONDS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
const BATCH_BUCKETS_COMMANDS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000];

const UNMATCHED_ROUTE = 'unmatched';

/**
 * Request latency per route pattern (bounded label cardinality, no ids or tokens in labels). Each route
 * gets its own onResponse recorder when it is declared, so a request does not build a label set or read
 * `request.routeOptions` (an object per call). Routes must be declared after this plugin registers (app.ts
 * registers ops before any route); requests that match no route are recorded by one app-wide hook.
 */
function recordRequestLatency(app: FastifyInstance, registry: Registry): void {
  const latency = new RequestLatencyHistogram(LATENCY_BUCKETS_SECONDS);
  // A metric of prom-client's Registry protocol (see request-latency.ts), not one of its classes.
  registry.registerMetric(latency as unknown as Metric);
  const recorders = new WeakSet<onResponseHookHandler>();

  app.addHook('onRoute', (route) => {
    const existing = route.onResponse === undefined ? [] : [route.onResponse].flat();
    // A GET's implicit HEAD route is declared from a copy of the GET's options: one recorder each.
    if (existing.some((hook) => recorders.has(hook))) return;
    const recorder = latency.forRoute(route.url);
    const record: onResponseHookHandler = (request, reply, done) => {
      recorder.record(request.method, reply.statusCode, reply.elapsedTime);
      done();
    };
    recorders.add(record);
    // A new array: the options object (and its arrays) may be shared with the HEAD route's copy.
    route.onResponse = [...existing, record];
  });

  const unmatched = latency.forRoute(UNMATCHED_ROUTE);
  app.addHook('onResponse', (request, reply, done) => {
    if (request.is404) unmatched.record(request.method, reply.statusCode, reply.elapsedTime);
    done();
  });
}

/**
 * Cluster mode only: where this node stands in the command log. (The domain counters below count what
 * this node's replica applied, which in a cluster is every node's commands: each node reports the
 * cluster's totals, so do not sum them across nodes.)
 */
function registerReplicationGauges(engine: BookingEngine, registry: Registry): void {
  const replication = engine.replication?.bind(engine);
  if (replication === undefined) return;
  const gauge = (name: string, help: string, read: (status: ReplicationStatus) => number): void => {
    new Gauge({ name, help, registers: [registry], collect() { if (engine.ready) this.set(read(replication())); } });
  };
  gauge('cluster_leader', '1 while this node holds the lease and appends to the command log', (s) => (s.leader ? 1 : 0));
  gauge('cluster_log_applied_sequence', 'Sequence of the last command-log entry this node applied', (s) => s.appliedSeq);
  gauge('cluster_commands_in_flight', 'Commands taken by this node and not yet applied by its replica', (s) => s.commandsInFlight);
  gauge('cluster_leader_terms', 'Terms this node has led since it started', (s) => s.terms);
  gauge('cluster_fenced_appends', 'Appends the log refused because another leader had moved it on', (s) => s.fencedAppends);
}

/** The outbox and webhook deliveries: how far events go, what waits for a retry, what ran out of attempts. */
function registerWebhookMetrics(app: FastifyInstance, registry: Registry): void {
  const engine = app.engine;
  let lastEventSequence = 0;
  engine.observe({ eventsCommitted: (throughSeq) => { lastEventSequence = Math.max(lastEventSequence, throughSeq); } });
  new Gauge({ name: 'outbox_last_event_sequence', help: 'Sequence of the newest event this process committed (0 until one is)', registers: [registry], collect() { this.set(lastEventSequence); } });
  const sum = (read: (endpoint: { pendingDeliveries: number; parkedDeliveries: number }) => number): number => engine.listWebhookEndpoints().reduce((total, e) => total + read(e), 0);
  new Gauge({ name: 'webhook_endpoints', help: 'Webhook endpoints registered', registers: [registry], collect() { if (engine.ready) this.set(engine.listWebhookEndpoints().length); } });
  new Gauge({ name: 'webhook_deliveries_pending', help: 'Deliveries waiting for a retry, all endpoints', registers: [registry], collect() { if (engine.ready) this.set(sum((e) => e.pendingDeliveries)); } });
  new Gauge({ name: 'webhook_deliveries_parked', help: 'Deliveries out of attempts, all endpoints', registers: [registry], collect() { if (engine.ready) this.set(sum((e) => e.parkedDeliveries)); } });
  const reported = { delivered: 0, failed: 0 };
  new Counter({
    name: 'webhook_attempts_total', help: 'HTTP attempts this process made, by outcome (delivered: a 2xx)', labelNames: ['outcome'], registers: [registry],
    collect() {
      // The dispatcher is registered after this plugin, and its counts are plain numbers: the counter catches up per scrape.
      if (!app.hasDecorator('webhookDispatcher')) return;
      const { counts } = app.webhookDispatcher;
      this.inc({ outcome: 'delivered' }, counts.delivered - reported.delivered);
      this.inc({ outcome: 'failed' }, counts.failed - reported.failed);
      reported.delivered = counts.delivered;
      reported.failed = counts.failed;
    },
  });
  new Gauge({
    name: 'webhook_dispatcher_active', help: '1 while this process delivers webhooks (always embedded; the leader in a cluster)', registers: [registry],
    collect() { this.set(engine.ready && (engine.replication?.().leader ?? true) ? 1 : 0); },
  });
}

/** Each sale's room, labelled by its id: the fans in its pre-queue, in its line and admitted. */
function registerRoomGauges(engine: BookingEngine, registry: Registry): void {
  new Gauge({
    name: 'room_fans', help: 'Fans in each sale\'s waiting room, by state (pre_queue, waiting, active)', labelNames: ['room', 'state'], registers: [registry],
    collect() {
      this.reset();
      if (!engine.ready) return;
      for (const room of engine.listRooms()) {
        this.set({ room: room.roomId, state: 'pre_queue' }, room.preQueue);
        this.set({ room: room.roomId, state: 'waiting' }, room.waiting);
        this.set({ room: room.roomId, state: 'active' }, room.active);
      }
    },
  });
}

/** One registry per app, so tests can build many apps without "metric already registered". */
function createAppMetrics(app: FastifyInstance): Registry {
  const registry = new Registry();
  const engine = app.engine;
  const counter = (name: string, help: string): Counter => new Counter({ name, help, registers: [registry] });

  recordRequestLatency(app, registry);

  new Gauge({
    name: 'queue_waiting',
    help: 'Tokens waiting in the waiting room',
    registers: [registry],
    collect() { if (engine.ready) this.set(engine.stats().queue.waiting); },
  });
  new Gauge({
    name: 'queue_active',
    help: 'Tokens admitted (ACTIVE)',
    registers: [registry],
    collect() { if (engine.ready) this.set(engine.stats().queue.active); },
  });

  registerRoomGauges(engine, registry);
  registerReplicationGauges(engine, registry);
  registerWebhookMetrics(app, registry);

  const admissions = counter('queue_admissions_total', 'Tokens admitted from the waiting line');
  const holds = counter('holds_total', 'Reservations held');
  const expiries = counter('hold_expiries_total', 'Holds that expired');
  const cancellations = counter('hold_cancellations_total', 'Holds cancelled by their user');
  const payments = counter('payments_total', 'Payments completed');
  const paymentAmount = counter('payment_amount_total', 'Sum of completed payments, in won');
  const charges = counter('charges_total', 'Wallet charges completed');
  const commitDuration = new Histogram({
    name: 'journal_commit_duration_seconds',
    help: 'Duration of one group commit (SQLite transaction; the event loop is blocked this long)',
    buckets: COMMIT_BUCKETS_SECONDS,
    registers: [registry],
  });
  const acknowledgement = new Histogram({
    name: 'journal_ack_duration_seconds',
    help: 'From the start of a group commit to the answer of its commands (transaction plus WAL flush)',
    buckets: COMMIT_BUCKETS_SECONDS,
    registers: [registry],
  });
  const batchSize = new Histogram({
    name: 'journal_batch_commands',
    help: 'Commands acknowledged by one group commit',
    buckets: BATCH_BUCKETS_COMMANDS,
    registers: [registry],
  });

  const unsubscribe = engine.observe({
    committed: ({ commands, durationMs, acknowledgedMs }) => {
      commitDuration.observe(durationMs / 1000);
      acknowledgement.observe(acknowledgedMs / 1000);
      batchSize.observe(commands);
    },
    holdCreated: () => holds.inc(),
    holdExpired: () => expiries.inc(),
    holdCancelled: () => cancellations.inc(),
    paymentCompleted: (amount) => {
      payments.inc();
      paymentAmount.inc(amount);
    },
    chargeCompleted: () => charges.inc(),
    queueAdmitted: (count) => admissions.inc(count),
  });
  app.addHook('onClose', async () => unsubscribe());

  return registry;
}

const statusSchema = (status: string) => Type.Object({ status: Type.Literal(status) });

async function opsPlugin(app: FastifyInstance): Promise<void> {
  const registry = createAppMetrics(app);
  const processMetrics = sharedProcessRegistry();

  app.get('/health', {
    schema: {
      tags: ['ops'],
      summary: 'Liveness: 200 while the process runs',
      response: { 200: statusSchema('ok') },
    },
  }, async () => ({ status: 'ok' as const }));

  app.get('/ready', {
    schema: {
      tags: ['ops'],
      summary: 'Readiness: 200 once recovery has finished, 503 before',
      response: { 200: statusSchema('ready'), 503: errorResponseSchema },
    },
  }, async (_request, reply) => {
    if (!app.engine.ready) {
      return sendError(reply, { code: 'NOT_READY', message: 'The service is recovering its state.' });
    }
    return { status: 'ready' as const };
  });

  app.get('/metrics', {
    schema: {
      tags: ['ops'],
      summary: 'Prometheus metrics (text exposition format)',
      produces: ['text/plain'],
      response: { 200: Type.String({ description: 'Prometheus text format' }) },
    },
  }, async (_request, reply) => {
    const text = `${await processMetrics.metrics()}\n${await registry.metrics()}`;
    return reply.type(registry.contentType).send(text);
  });
}

export default fp(opsPlugin, { name: 'ops', fastify: '5.x' });
