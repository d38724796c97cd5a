/**
 * `http_request_duration_seconds`: request latency by method, route pattern and status code, exposed
 * through a prom-client Registry exactly as a prom-client Histogram with the same buckets would be.
 *
 * Why not prom-client's Histogram: its `observe` validates, sorts and hashes the label set on every call
 * (several µs, a visible share of a cached read). Here each route gets its own recorder (see ops.ts), so a
 * request only looks its series up by method and status code and bumps a few numbers; the label work is
 * done once per series, and the text is built only when /metrics is scraped.
 */

type LatencyLabels = { method: string; route: string; status_code: string };

interface Series {
  readonly labels: LatencyLabels;
  /** Observations per bucket (not cumulative), aligned with the upper bounds. */
  readonly counts: number[];
  sum: number;
  count: number;
}

/** One exported sample, in the shape prom-client's Registry renders (`sharedLabels` are the series' labels). */
interface Sample {
  labels: Record<string, string | number>;
  sharedLabels: LatencyLabels;
  value: number;
  metricName: string;
  exemplar?: null;
}

/** The recorder of one route pattern: what its onResponse hook calls. */
export class RouteLatency {
  private readonly byMethod = new Map<string, Map<number, Series>>();

  constructor(private readonly histogram: RequestLatencyHistogram, private readonly route: string) {}

  record(method: string, statusCode: number, elapsedMs: number): void {
    let byStatus = this.byMethod.get(method);
    if (byStatus === undefined) {
      byStatus = new Map();
      this.byMethod.set(method, byStatus);
    }
    let series = byStatus.get(statusCode);
    if (series === undefined) {
      series = this.histogram.newSeries({ method, route: this.route, status_code: String(statusCode) });
      byStatus.set(statusCode, series);
    }
    this.histogram.observe(series, elapsedMs / 1000);
  }

  clear(): void {
    this.byMethod.clear();
  }
}

export class RequestLatencyHistogram {
  readonly name = 'http_request_duration_seconds';
  readonly help = 'HTTP request latency by method, route pattern and status code';
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  /** Every series in creation order (the order prom-client would export them in). */
  private series: Series[] = [];
  private readonly routes = new Map<string, RouteLatency>();

  constructor(private readonly upperBounds: readonly number[]) {}

  /** The recorder for a route pattern (one per pattern, shared by the routes with that pattern). */
  forRoute(route: string): RouteLatency {
    let recorder = this.routes.get(route);
    if (recorder === undefined) {
      recorder = new RouteLatency(this, route);
      this.routes.set(route, recorder);
    }
    return recorder;
  }

  newSeries(labels: LatencyLabels): Series {
    const series: Series = { labels, counts: this.upperBounds.map(() => 0), sum: 0, count: 0 };
    this.series.push(series);
    return series;
  }

  observe(series: Series, seconds: number): void {
    if (!Number.isFinite(seconds)) return;
    series.sum += seconds;
    series.count += 1;
    // The first bucket the value fits; above the last bound it only counts towards +Inf (the count).
    for (let i = 0; i < this.upperBounds.length; i++) {
      if (seconds <= (this.upperBounds[i] as number)) {
        series.counts[i] = (series.counts[i] as number) + 1;
        return;
      }
    }
  }

  /** What prom-client's Registry asks a metric for when it renders the text format. */
  getForPromString(): { name: string; help: string; type: string; aggregator: string; values: Sample[] } {
    const name = this.name;
    const values: Sample[] = [];
    for (const series of this.series) {
      let cumulative = 0;
      this.upperBounds.forEach((bound, i) => {
        cumulative += series.counts[i] as number;
        values.push({ labels: { le: bound }, sharedLabels: series.labels, value: cumulative, metricName: `${name}_bucket`, exemplar: null });
      });
      values.push({ labels: { le: '+Inf' }, sharedLabels: series.labels, value: series.count, metricName: `${name}_bucket`, exemplar: null });
      values.push({ labels: {}, sharedLabels: series.labels, value: series.sum, metricName: `${name}_sum` });
      values.push({ labels: {}, sharedLabels: series.labels, value: series.count, metricName: `${name}_count` });
    }
    return { name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** What prom-client's Registry asks for in getMetricsAsJSON: the series' labels merged into each sample's. */
  get(): { name: string; help: string; type: string; aggregator: string; values: Array<Omit<Sample, 'sharedLabels'>> } {
    const data = this.getForPromString();
    return {
      ...data,
      values: data.values.map(({ sharedLabels, labels, ...sample }) => ({ ...sample, labels: { ...labels, ...sharedLabels } })),
    };
  }

  reset(): void {
    this.series = [];
    for (const recorder of this.routes.values()) recorder.clear();
  }
}
