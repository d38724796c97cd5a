import { Histogram, Registry, type Metric } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { RequestLatencyHistogram } from '../../src/api/request-latency.js';

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** The same observations through prom-client's own Histogram and through ours, in two registries. */
function twins(): { reference: Registry; ours: Registry; observe: (method: string, route: string, status: number, ms: number) => void } {
  const reference = new Registry();
  const ours = new Registry();
  const histogram = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: BUCKETS,
    registers: [reference],
  });
  const latency = new RequestLatencyHistogram(BUCKETS);
  ours.registerMetric(latency as unknown as Metric);
  return {
    reference,
    ours,
    observe: (method, route, status, ms) => {
      histogram.observe({ method, route, status_code: String(status) }, ms / 1000);
      latency.forRoute(route).record(method, status, ms);
    },
  };
}

describe('RequestLatencyHistogram', () => {
  it('given the same observations, then /metrics text is exactly what prom-client\'s Histogram renders', async () => {
    const { reference, ours, observe } = twins();
    observe('GET', '/v1/queue/status', 200, 0.2);
    observe('GET', '/v1/queue/status', 200, 3.7);
    observe('GET', '/v1/schedules/:scheduleId/seats', 200, 0.5);
    observe('GET', '/v1/queue/status', 401, 12);
    observe('HEAD', '/health', 200, 1);
    observe('GET', 'unmatched', 404, 7_000); // beyond the last bucket: only +Inf
    observe('GET', '/v1/queue/status', 200, 2_500);

    expect(await ours.metrics()).toBe(await reference.metrics());
    expect(await ours.getMetricsAsJSON()).toEqual(await reference.getMetricsAsJSON());
  });

  it('given no traffic, then it renders like an empty prom-client Histogram', async () => {
    const { reference, ours } = twins();

    expect(await ours.metrics()).toBe(await reference.metrics());
  });

  it('given a reset registry, then the series start again from zero', async () => {
    const { reference, ours, observe } = twins();
    observe('GET', '/health', 200, 1);

    reference.resetMetrics();
    ours.resetMetrics();
    observe('GET', '/health', 200, 2);

    expect(await ours.metrics()).toBe(await reference.metrics());
  });
});
