// Builds the booking page: src/web -> dist/web (app.js minified by esbuild, styles.css, index.html).
// No CDN and no network: everything the page needs is in dist/web. Usage: node scripts/build-web.mjs [--watch]
import { build, context } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = join(root, 'src/web');
const outputDir = join(root, 'dist/web');

/** @type {import('esbuild').BuildOptions} */
const options = {
  entryPoints: { app: join(sourceDir, 'main.ts'), styles: join(sourceDir, 'styles.css') },
  outdir: outputDir,
  bundle: true,
  minify: true,
  sourcemap: 'linked',
  format: 'esm',
  target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
  platform: 'browser',
  legalComments: 'none',
  logLevel: 'warning',
};

const startedMs = performance.now();
await mkdir(outputDir, { recursive: true });
await copyFile(join(sourceDir, 'index.html'), join(outputDir, 'index.html'));
if (process.argv.includes('--watch')) {
  const watcher = await context(options);
  await watcher.watch();
  console.log(`watching src/web -> dist/web (index.html is copied once; restart to pick up changes to it)`);
} else {
  await build(options);
  console.log(`built dist/web in ${Math.round(performance.now() - startedMs)} ms`);
}
