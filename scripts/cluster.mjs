// `npm run cluster`: a local cluster on loopback, in the foreground. Three nats-servers with JetStream
// (replicas 3) and three booking nodes (`node dist/server.js` with NATS_URL), each serving the whole API
// on its own port. Ctrl-C stops everything. CLUSTER_DIR (default ./data/cluster) keeps the NATS stores
// between runs, so a restart finds the catalogue and the sales; CLUSTER_NODES sets the node count.
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { staleBuild } from './build-freshness.mjs';
import { startNatsServers } from './nats-servers.mjs';

const rootDir = fileURLToPath(new URL('..', import.meta.url));
const dir = resolve(process.env.CLUSTER_DIR || join(rootDir, 'data/cluster'));
const nodeCount = Number(process.env.CLUSTER_NODES || 3);
const basePort = Number(process.env.PORT || 3001);

const stale = staleBuild(rootDir, 'dist/server.js');
if (stale !== null) {
  process.stderr.write(`npm run cluster: ${stale}; building first\n`);
  const build = spawn('npm', ['run', '--silent', 'build'], { cwd: rootDir, stdio: 'inherit' });
  const status = await new Promise((done) => build.on('exit', done));
  if (status !== 0) process.exit(status ?? 1);
}

mkdirSync(dir, { recursive: true });
const nats = await startNatsServers({ dir: join(dir, 'nats'), count: 3 });
// Shared by every node: a token minted by one is verified by the others. Fresh each run unless given.
const authSecret = process.env.AUTH_SECRET || randomBytes(32).toString('hex');
const adminKey = process.env.ADMIN_KEY || randomBytes(16).toString('hex');
const ticketSigningKey = process.env.TICKET_SIGNING_KEY
  || generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');

const nodes = [];
for (let i = 1; i <= nodeCount; i++) {
  const port = basePort + i - 1;
  const child = spawn(process.execPath, ['dist/server.js'], {
    cwd: rootDir,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      PORT: String(port),
      HOST: process.env.HOST || '127.0.0.1',
      NODE_ID: `node${i}`,
      NATS_URL: nats.urls.join(','),
      CLUSTER_REPLICAS: '3',
      DB_PATH: join(dir, `node${i}`, 'booking.db'),
      AUTH_SECRET: authSecret,
      ADMIN_KEY: adminKey,
      TICKET_SIGNING_KEY: ticketSigningKey,
      LOG_LEVEL: process.env.LOG_LEVEL || 'warn',
    },
  });
  nodes.push({ id: `node${i}`, port, child });
}

async function waitReady(port) {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/ready`)).ok) return true;
    } catch { /* not listening yet */ }
    await new Promise((done) => setTimeout(done, 100));
  }
  return false;
}

const ready = await Promise.all(nodes.map((node) => waitReady(node.port)));
process.stdout.write([
  '',
  `cluster up: ${nats.urls.length} nats-servers (JetStream, replicas 3), ${nodes.length} booking nodes`,
  ...nats.urls.map((url, i) => `  nats ${i + 1}  ${url}`),
  ...nodes.map((node, i) => `  ${node.id}  http://127.0.0.1:${node.port}/  (pid ${node.child.pid})${ready[i] ? '' : '  NOT READY'}`),
  `  admin key: ${adminKey}`,
  `  data: ${dir}`,
  'Any node answers any request. Ctrl-C stops the cluster.',
  '',
].join('\n'));

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  for (const node of nodes) node.child.kill('SIGTERM');
  await Promise.all(nodes.map((node) => new Promise((done) => {
    if (node.child.exitCode !== null || node.child.signalCode !== null) done();
    else node.child.once('exit', done);
  })));
  await nats.stop();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
