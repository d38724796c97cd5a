/**
 * `npm run bench`: runs the scenarios, prints progress to stderr, writes the Markdown table and the
 * JSON record. A complete, non-quick run writes BENCHMARKS.md; partial or quick runs write only their
 * JSON (bench-results/<date>-<label>.json) and print the Markdown, so the committed table is always
 * a full run. Never part of `npm test`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { staleBuild } from '../scripts/build-freshness.mjs';
import { parseArgs, SCENARIO_IDS } from './lib/args.js';
import { describeMachine } from './lib/machine.js';
import { renderMarkdown, type RunRecord } from './lib/report.js';
import type { RunContext, Scenario, ScenarioResult } from './lib/types.js';
import { ceilingsScenario } from './scenarios/ceilings.js';
import { clusterScenario } from './scenarios/cluster.js';
import { enginePathScenario } from './scenarios/engine-commands.js';
import { flashSaleScenario } from './scenarios/flash-sale.js';
import { queueScaleScenario } from './scenarios/queue-scale.js';
import { readPathScenario } from './scenarios/read-path.js';
import { recoveryScenario } from './scenarios/recovery.js';
import { writePathScenario } from './scenarios/write-path.js';
import { venuesScenario } from './scenarios/venues.js';
import { roomsScenario } from './scenarios/rooms.js';

const ROOT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Execution order: read and write measure the bare ceilings the ceilings scenario then reports. */
const EXECUTION_ORDER: Scenario[] = [readPathScenario, writePathScenario, ceilingsScenario, flashSaleScenario, enginePathScenario, queueScaleScenario, recoveryScenario, clusterScenario, venuesScenario, roomsScenario];

/**
 * Sections measured by other commands (the disk soak, the cluster run) are written by hand below this
 * line; a complete run regenerates what is above it and keeps them.
 */
const HAND_WRITTEN_MARKER = '<!-- Hand-written sections below: kept when npm run bench rewrites this file. -->';

function withHandWrittenSections(markdown: string, path: string): string {
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const at = current.indexOf(HAND_WRITTEN_MARKER);
  return at < 0 ? markdown : `${markdown.trimEnd()}\n\n${current.slice(at)}`;
}

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  // The servers and the in-process workers run the compiled build (bench/workers/shipped.ts): a stale one would measure old code.
  const rebuild = options.build ? 'asked for' : staleBuild(ROOT_DIR);
  if (rebuild !== null) {
    log(`building (npm run build): ${rebuild}`);
    execFileSync('npm', ['run', 'build'], { cwd: ROOT_DIR, stdio: 'inherit' });
  }
  const selected = options.only.length === 0 ? [...SCENARIO_IDS] : options.only;
  const complete = selected.length === SCENARIO_IDS.length;
  const tmpDir = mkdtempSync(join(tmpdir(), 'booking-bench-'));
  const context: RunContext = { options, rootDir: ROOT_DIR, tmpDir, log };
  const machine = describeMachine(ROOT_DIR);
  log(`${machine.cpuModel} x${machine.cores}, load ${machine.loadAverageAtStart}; scenarios: ${selected.join(', ')}${options.quick ? ' (quick)' : ''}`);

  const startedAt = performance.now();
  const results: ScenarioResult[] = [];
  const failures: RunRecord['failures'] = [];
  try {
    for (const scenario of EXECUTION_ORDER) {
      if (!selected.includes(scenario.id)) continue;
      log(`scenario ${scenario.id}: ${scenario.title}`);
      try {
        results.push(await scenario.run(context));
      } catch (error) {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        log(`scenario ${scenario.id} FAILED: ${message}`);
        failures.push({ id: scenario.id, error: message.split('\n')[0] ?? message });
      }
    }
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }

  const order = (id: string): number => (SCENARIO_IDS as readonly string[]).indexOf(id);
  results.sort((a, b) => order(a.id) - order(b.id));
  const record: RunRecord = { machine, options, durationSeconds: (performance.now() - startedAt) / 1000, scenarios: results, failures };
  const markdown = renderMarkdown(record);
  const resultsDir = join(ROOT_DIR, 'bench-results');
  mkdirSync(resultsDir, { recursive: true });
  const label = [options.quick ? 'quick' : '', complete ? '' : selected.join('+')].filter((s) => s !== '').join('-');
  const jsonPath = join(resultsDir, `${machine.date.slice(0, 10)}${label === '' ? '' : `-${label}`}.json`);
  writeFileSync(jsonPath, `${JSON.stringify(record, null, 2)}\n`);
  log(`wrote ${jsonPath}`);
  if (complete && !options.quick) {
    writeFileSync(join(ROOT_DIR, 'BENCHMARKS.md'), withHandWrittenSections(markdown, join(ROOT_DIR, 'BENCHMARKS.md')));
    log('wrote BENCHMARKS.md');
  }
  process.stdout.write(`${markdown}\n`);
  if (failures.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  log(`fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
