/**
 * Starts nats-server processes with JetStream on free loopback ports, each with its own store
 * directory: one server, or a cluster of three (replicas 3). Used by `npm run cluster` and by the
 * cluster tests, which never rely on a system NATS.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';

export const NATS_SERVER_BIN = process.env.NATS_SERVER_BIN || 'nats-server';

/** Throws a message that says how to install it: tests must fail, not skip, without it. */
export function assertNatsServerInstalled() {
  const probe = spawnSync(NATS_SERVER_BIN, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(`nats-server not found (${NATS_SERVER_BIN}): install it (Debian: apt-get install nats-server) or set NATS_SERVER_BIN`);
  }
  return probe.stdout.trim();
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function waitForPort(port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(); });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`nats-server on port ${port} did not start`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/**
 * Starts `count` servers (1 or 3) under `dir`. Returns their client URLs and handles to kill, pause
 * (SIGSTOP), resume and restart each one.
 */
export async function startNatsServers({ dir, count = 3, log = 'ignore' }) {
  assertNatsServerInstalled();
  const clientPorts = [];
  const routePorts = [];
  for (let i = 0; i < count; i++) {
    clientPorts.push(await freePort());
    routePorts.push(await freePort());
  }
  const servers = [];
  for (let i = 0; i < count; i++) {
    const name = `n${i + 1}`;
    const storeDir = join(dir, name);
    mkdirSync(storeDir, { recursive: true });
    const routes = routePorts.map((port) => `nats-route://127.0.0.1:${port}`);
    const config = [
      `server_name: ${name}`,
      `listen: 127.0.0.1:${clientPorts[i]}`,
      `jetstream { store_dir: "${storeDir}" }`,
      count > 1 ? `cluster { name: booking, listen: 127.0.0.1:${routePorts[i]}, routes: [${routes.join(', ')}] }` : '',
    ].join('\n');
    const configPath = join(dir, `${name}.conf`);
    writeFileSync(configPath, config);
    const server = { name, url: `nats://127.0.0.1:${clientPorts[i]}`, port: clientPorts[i], configPath, process: null };
    server.start = async () => {
      server.process = spawn(NATS_SERVER_BIN, ['-c', configPath], { stdio: ['ignore', log, log] });
      await waitForPort(server.port, 10_000);
    };
    server.kill = (signal = 'SIGKILL') => { server.process?.kill(signal); };
    server.stopped = () => new Promise((resolve) => {
      if (!server.process || server.process.exitCode !== null || server.process.signalCode !== null) resolve();
      else server.process.once('exit', () => resolve());
    });
    servers.push(server);
  }
  await Promise.all(servers.map((server) => server.start()));
  return {
    servers,
    urls: servers.map((server) => server.url),
    async stop() {
      for (const server of servers) server.kill('SIGTERM');
      await Promise.all(servers.map((server) => server.stopped()));
    },
  };
}
