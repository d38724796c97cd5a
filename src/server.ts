/**
 * The process shell: configuration, logger, engine, listen, signals. Everything else is in src/app.ts.
 * The server listens before recovery so /health answers and /ready says 503 while state is rebuilt.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createEngine } from './actors/engine.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { seedDemoCatalogue } from './domain/demo-catalogue.js';
import { createLogger } from './logger.js';

/** Long enough for in-flight requests and the last group commit; short enough for an orchestrator's grace period. */
const SHUTDOWN_TIMEOUT_MS = 10_000;
const LISTEN_BACKLOG = 4_096;

function readConfig(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

function ensureDatabaseDirectory(dbPath: string): void {
  if (dbPath === ':memory:') return;
  mkdirSync(dirname(resolve(dbPath)), { recursive: true });
}

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger(config);

  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled promise rejection; exiting');
    process.exit(1);
  });
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception; exiting');
    process.exit(1);
  });

  if (config.usingDevelopmentSecrets) {
    logger.warn('AUTH_SECRET and/or ADMIN_KEY not set: using development defaults (never do this in production)');
  }

  ensureDatabaseDirectory(config.dbPath);
  const engine = createEngine({
    dbPath: config.dbPath,
    limits: config.limits,
    durability: config.durability,
    logger: logger.child({ component: 'engine' }),
  });
  // The HTTP app's modules (Fastify, schemas, plugins) are loaded only now: creating the engine first
  // starts reading a big waiting room in a worker thread ~0.5 s earlier, while they load and compile.
  const { buildApp } = await import('./app.js');
  const app = await buildApp({ config, engine, logger });

  let shuttingDown = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (shuttingDown) {
      logger.warn({ signal }, 'second signal: exiting without a clean shutdown');
      process.exit(1);
    }
    shuttingDown = true;
    logger.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
    const forceExit = setTimeout(() => {
      logger.error({ timeoutMs: SHUTDOWN_TIMEOUT_MS }, 'shutdown timed out; exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    forceExit.unref();
    void (async () => {
      try {
        await app.close();
        await engine.close();
        logger.info('shutdown complete: journal flushed and database closed');
        process.exit(0);
      } catch (error) {
        logger.fatal({ err: error }, 'shutdown failed');
        process.exit(1);
      }
    })();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);

  // A flash sale opens thousands of connections in the same second: Node's default backlog (511) overflows
  // and the kernel drops SYNs, which clients see as second-long retries. The kernel caps it at somaxconn.
  await app.listen({ port: config.port, host: config.host, backlog: LISTEN_BACKLOG });

  const recoveryStartedAt = performance.now();
  await engine.start();
  logger.info({ recoveryMs: Math.round(performance.now() - recoveryStartedAt), dbPath: config.dbPath, durability: config.durability },
    'engine recovered; ready');

  if (!config.isProduction && !shuttingDown) {
    const created = await seedDemoCatalogue(engine);
    if (created > 0) logger.info({ concerts: created }, 'empty database: demo catalogue seeded');
  }
}

main().catch((error: unknown) => {
  // The logger may not exist yet (or be the failure); stderr always does.
  process.stderr.write(`Fatal start-up error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
