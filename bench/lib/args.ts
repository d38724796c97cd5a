/**
 * Command line: `npm run bench -- [--quick] [--only=read,write] [--rounds=5] [--duration=6]
 * [--connections=64] [--profile] [--build] [--server=dist/server.js]`.
 */
import type { BenchOptions } from './types.js';

export const SCENARIO_IDS = ['ceilings', 'read', 'write', 'flash-sale', 'engine', 'queue-scale', 'recovery', 'cluster', 'venues', 'rooms'] as const;

function valueOf(argv: string[], name: string): string | undefined {
  const prefix = `--${name}=`;
  const found = argv.find((arg) => arg.startsWith(prefix));
  return found?.slice(prefix.length);
}

function positiveNumber(argv: string[], name: string, fallback: number): number {
  const raw = valueOf(argv, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number, got "${raw}"`);
  return value;
}

export function parseArgs(argv: string[]): BenchOptions {
  const known = new Set(['quick', 'only', 'rounds', 'duration', 'connections', 'profile', 'build', 'server']);
  for (const arg of argv) {
    const name = /^--([a-z-]+)/.exec(arg)?.[1];
    if (name === undefined || !known.has(name)) throw new Error(`unknown argument "${arg}"; known: ${[...known].map((k) => `--${k}`).join(' ')}`);
  }
  const quick = argv.includes('--quick');
  const only = (valueOf(argv, 'only') ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  for (const id of only) {
    if (!(SCENARIO_IDS as readonly string[]).includes(id)) throw new Error(`--only: unknown scenario "${id}"; known: ${SCENARIO_IDS.join(', ')}`);
  }
  return {
    quick,
    only,
    rounds: Math.round(positiveNumber(argv, 'rounds', quick ? 1 : 5)),
    durationSeconds: positiveNumber(argv, 'duration', quick ? 3 : 6),
    connections: Math.round(positiveNumber(argv, 'connections', 64)),
    profile: argv.includes('--profile'),
    build: argv.includes('--build'),
    serverEntry: valueOf(argv, 'server') ?? 'dist/server.js',
  };
}
