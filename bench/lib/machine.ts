/** Where and with what the figures were measured: machine, Node, SQLite, package versions, commit. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export interface MachineInfo {
  date: string;
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  /** 1-minute load average when the run started: other work on the machine skews absolute figures. */
  loadAverageAtStart: number;
  node: string;
  sqlite: string;
  packages: Record<string, string>;
  commit: string;
}

const PACKAGES = ['fastify', 'better-sqlite3', 'xstate', '@fastify/jwt', 'typebox', 'pino', 'autocannon'];

function installedVersion(rootDir: string, name: string): string {
  try {
    const manifest = JSON.parse(readFileSync(join(rootDir, 'node_modules', name, 'package.json'), 'utf8')) as { version?: string };
    return manifest.version ?? 'unknown';
  } catch {
    return 'missing';
  }
}

function gitCommit(rootDir: string): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: rootDir, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: rootDir, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head} (src has uncommitted changes)` : head;
  } catch {
    return 'unknown';
  }
}

function sqliteVersion(): string {
  const db = new Database(':memory:');
  try {
    return db.prepare('SELECT sqlite_version()').pluck().get() as string;
  } finally {
    db.close();
  }
}

export function describeMachine(rootDir: string): MachineInfo {
  const cpuList = cpus();
  const project = JSON.parse(readFileSync(join(rootDir, 'package.json'), 'utf8')) as { name: string; version: string };
  const packages: Record<string, string> = { [project.name]: project.version };
  for (const name of PACKAGES) packages[name] = installedVersion(rootDir, name);
  return {
    date: new Date().toISOString(),
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    memoryGiB: Math.round((totalmem() / 1_073_741_824) * 10) / 10,
    os: `${platform()} ${release()}`,
    loadAverageAtStart: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    node: process.version,
    sqlite: sqliteVersion(),
    packages,
    commit: gitCommit(rootDir),
  };
}
