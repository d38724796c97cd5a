/**
 * Persistence sits below the actors: it may be used by them, never the other way round, so the storage
 * layer can be read, tested and replaced without the engine.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PERSISTENCE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/persistence');
const IMPORT_SPECIFIER = /\bfrom\s+'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/g;

function importsOf(file: string): string[] {
  const source = readFileSync(join(PERSISTENCE_DIR, file), 'utf8');
  return [...source.matchAll(IMPORT_SPECIFIER)].map((match) => match[1] ?? match[2] ?? '');
}

describe('src/persistence', () => {
  it('given its modules, when their imports are read, then none reaches into src/actors', () => {
    const files = readdirSync(PERSISTENCE_DIR).filter((file) => file.endsWith('.ts'));

    const upward = files.flatMap((file) => importsOf(file)
      .filter((specifier) => specifier.startsWith('../actors/'))
      .map((specifier) => `${file} -> ${specifier}`));

    expect(files.length).toBeGreaterThan(0);
    expect(upward).toEqual([]);
  });
});
