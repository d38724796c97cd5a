// Whether dist/ is what src/ would build: `npm start` and `npm run bench` rebuild before running a stale one.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Why the build in `rootDir` is stale (missing, or older than a file of src/), or null when it is current. */
export function staleBuild(rootDir, entry = 'dist/server.js') {
  const entryPath = join(rootDir, entry);
  if (!existsSync(entryPath)) return `${entry} is missing`;
  const src = join(rootDir, 'src');
  if (existsSync(src) && newestMtime(src) > statSync(entryPath).mtimeMs) return `${entry} is older than src/`;
  return null;
}
