/**
 * The in-process workers measure the engine that ships: the compiled modules in dist/, which `npm start`
 * and the Dockerfile run, like the server scenarios do. The same sources transpiled on the fly by tsx ran
 * slower: hold+cancel at NORMAL in process, five alternated pairs on 2026-12-02, 73.6-80.5k commands/s
 * from tsx against 76.9-91.9k from dist (the work outside the transaction took ~25% longer). The runner
 * rebuilds dist/ first when it is older than src/ (bench/run.ts).
 *
 * Typed by the sources: `shipped<typeof import('../../src/actors/engine.js')>('actors/engine.js')`.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const DIST_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist');

/** The compiled module `dist/<modulePath>`, e.g. 'actors/engine.js'. */
export async function shipped<Module>(modulePath: string): Promise<Module> {
  return (await import(pathToFileURL(join(DIST_DIR, modulePath)).href)) as Module;
}
