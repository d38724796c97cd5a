/**
 * The shapes every scenario returns, so the runner can render one table and one JSON file.
 */

export interface BenchOptions {
  /** Smaller sizes, one round, short durations: for developing the harness, not for the record. */
  quick: boolean;
  /** Scenario ids to run; empty means all. */
  only: string[];
  /** Baseline/subject rounds, alternated; figures are medians over rounds. */
  rounds: number;
  /** Length of one autocannon run. */
  durationSeconds: number;
  /** Concurrent keep-alive connections of the load generator (same for baseline and subject). */
  connections: number;
  /** Start server processes with --cpu-prof into bench-results/profiles. */
  profile: boolean;
  /** Run `npm run build` before starting the real server. */
  build: boolean;
  /** The real server's entry point. */
  serverEntry: string;
}

export interface RunContext {
  options: BenchOptions;
  /** Repository root. */
  rootDir: string;
  /** A private temporary directory for databases, removed at the end. */
  tmpDir: string;
  log(message: string): void;
}

/** One row of a scenario's table. */
export interface Metric {
  name: string;
  value: number | string;
  unit?: string;
  /** Spread or context, e.g. the per-round values. */
  detail?: string;
}

export interface TargetOutcome {
  target: string;
  /** What was measured, in words with numbers. */
  measured: string;
  /** The subject/baseline ratio (or size/limit) the target is judged on. */
  ratio: number | null;
  threshold: string;
  /** null: reported for information, not a target. */
  met: boolean | null;
}

export interface ScenarioResult {
  id: string;
  title: string;
  metrics: Metric[];
  targets: TargetOutcome[];
  notes: string[];
  /** Everything measured, per round, for the JSON file. */
  raw: unknown;
}

export interface Scenario {
  id: string;
  title: string;
  run(context: RunContext): Promise<ScenarioResult>;
}
