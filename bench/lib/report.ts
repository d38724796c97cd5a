/** Renders a run as Markdown (BENCHMARKS.md) and as the JSON record in bench-results/. */
import type { MachineInfo } from './machine.js';
import { ratioText } from './stats.js';
import type { BenchOptions, Metric, ScenarioResult } from './types.js';

export interface RunRecord {
  machine: MachineInfo;
  options: BenchOptions;
  durationSeconds: number;
  scenarios: ScenarioResult[];
  failures: Array<{ id: string; error: string }>;
}

function cell(value: string): string {
  return value.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function valueText(metric: Metric): string {
  return typeof metric.value === 'number' ? metric.value.toLocaleString('en-US') : metric.value;
}

export function renderMarkdown(record: RunRecord): string {
  const { machine, options } = record;
  const lines: string[] = [];
  lines.push('# Benchmarks', '');
  lines.push(`Measured by \`npm run bench${options.quick ? ' -- --quick' : ''}\` on ${machine.date.slice(0, 10)} (${machine.date}), in ${Math.round(record.durationSeconds)} s.`, '');
  lines.push(`- Machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}; 1-minute load average at start ${machine.loadAverageAtStart} (a shared machine: absolute figures move, ratios much less).`);
  lines.push(`- Node ${machine.node}, SQLite ${machine.sqlite}; ${Object.entries(machine.packages).map(([n, v]) => `${n} ${v}`).join(', ')}.`);
  lines.push(`- Commit ${machine.commit}. Options: ${options.rounds} round(s) per comparison, ${options.durationSeconds} s per load run, ${options.connections} connections${options.quick ? ', QUICK (reduced sizes; not for the record)' : ''}.`);
  lines.push('- Every target is judged on a ratio against a baseline measured in the same run: baseline and subject runs alternate, each figure is the median over rounds, and a target is judged on the median of the per-round ratios. The server and the load generator (autocannon, as a library) are separate processes.', '');

  lines.push('## Targets', '');
  lines.push('| Target | Measured | Ratio | Threshold | Met |', '|---|---|---|---|---|');
  for (const scenario of record.scenarios) {
    for (const t of scenario.targets) {
      lines.push(`| ${cell(t.target)} | ${cell(t.measured)} | ${ratioText(t.ratio)} | ${cell(t.threshold)} | ${t.met === null ? 'info' : t.met ? 'yes' : '**no**'} |`);
    }
  }
  for (const failure of record.failures) lines.push(`| scenario ${failure.id} | failed: ${cell(failure.error.slice(0, 200))} | n/a | | **no** |`);
  lines.push('');

  for (const scenario of record.scenarios) {
    lines.push(`## ${scenario.title}`, '');
    lines.push('| Metric | Value | Unit | Detail |', '|---|---:|---|---|');
    for (const metric of scenario.metrics) {
      lines.push(`| ${cell(metric.name)} | ${cell(valueText(metric))} | ${metric.unit ?? ''} | ${cell(metric.detail ?? '')} |`);
    }
    lines.push('');
    for (const note of scenario.notes) lines.push(`- ${note}`);
    if (scenario.notes.length > 0) lines.push('');
  }

  lines.push('## Reproduce', '');
  lines.push('```sh');
  lines.push('npm run build                        # servers and in-process workers run dist/ (rebuilt first if stale)');
  lines.push('npm run bench                        # every scenario: writes BENCHMARKS.md and bench-results/<date>.json');
  lines.push('npm run bench -- --quick             # smaller and shorter, to check the harness');
  lines.push('npm run bench -- --only=read,write   # ceilings, read, write, flash-sale, engine, queue-scale, recovery, cluster, venues');
  lines.push('npm run bench -- --only=write --profile   # also writes server CPU profiles to bench-results/profiles/');
  lines.push('```', '');
  return lines.join('\n');
}
