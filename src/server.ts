/**
 * The process shell: configuration, logger, engine, listen, signals. Everything else is in src/app.ts.
 * The server listens before recovery so /health answers and /ready says 503 while state is rebuilt.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger } from './logger.js';
import { createNodeEngine } from './node-engine.js';
import { dataDirectorySecrets, SecretsFileError, TICKET_KEY_FILE_NAME, type DataDirectorySecrets } from './secrets.js';

/** Long enough for in-flight requests and the last group commit; short enough for an orchestrator's grace period. */
const SHUTDOWN_TIMEOUT_MS = 10_000;
const LISTEN_BACKLOG = 4_096;
/**
 * A process manager that signals the whole process group, or a terminal's Ctrl-C, reaches this process
 * both directly and through `npm start`, which forwards SIGTERM and SIGINT: one request, two deliveries
 * a few milliseconds apart. Only a signal repeated later than this forces an exit.
 */
const REPEATED_SIGNAL_FORCES_EXIT_AFTER_MS = 1_000;

interface StartConfig { config: Config; secrets: DataDirectorySecrets | null }

function readConfig(): StartConfig {
  let secrets: DataDirectorySecrets | null = null;
  try {
    const config = loadConfig(process.env, (dbPath) => (secrets = dataDirectorySecrets(dbPath)));
    return { config, secrets };
  } catch (error) {
    if (error instanceof ConfigError || error instanceof SecretsFileError) {
      process.stderr.write(`Configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/**
 * Secrets generated outside production: the admin key is shown once, when it is generated, on stdout and
 * outside the structured log; later starts only say where it is kept. The auth secret is never shown.
 */
function announceGeneratedSecrets(config: Config, secrets: DataDirectorySecrets, logger: Logger): void {
  const variables = config.generatedSecrets.join(' and ');
  const ticketKeyNote = secrets.path !== null && config.generatedSecrets.includes('TICKET_SIGNING_KEY') ? ` (the ticket key in ${TICKET_KEY_FILE_NAME} beside it)` : '';
  const secretsFile = `${secrets.path ?? 'memory (DB_PATH=:memory:, they end with this process)'}${ticketKeyNote}`;
  if (secrets.tightenedFromMode !== undefined) {
    logger.warn({ secretsFile, mode: secrets.tightenedFromMode.toString(8) }, 'secrets file was readable by others: made it 0600');
  }
  if (!secrets.created) {
    logger.info({ secretsFile }, `${variables} not set: using the values generated for this data directory, kept in ${secretsFile}`);
    return;
  }
  logger.info({ secretsFile }, `${variables} not set: generated new values, kept in ${secretsFile}`);
  if (config.generatedSecrets.includes('ADMIN_KEY')) {
    process.stdout.write(`\nAdmin key (X-Admin-Key), shown this once: ${config.adminKey}\nKept in ${secretsFile}.\n\n`);
  }
}

function ensureDatabaseDirectory(dbPath: string): void {
  if (dbPath === ':memory:') return;
  mkdirSync(dirname(resolve(dbPath)), { recursive: true });
}

async function main(): Promise<void> {
  const { config, secrets } = readConfig();
  const logger = createLogger(config);

  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled promise rejection; exiting');
    process.exit(1);
  });
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception; exiting');
    process.exit(1);
  });

  if (secrets !== null) announceGeneratedSecrets(config, secrets, logger);

  ensureDatabaseDirectory(config.cluster?.replicaDbPath ?? config.dbPath);
  const { engine, seedDemo, describe } = await createNodeEngine(config, logger);
  // The HTTP app's modules (Fastify, schemas, plugins) are loaded only now: creating the engine first
  // starts reading a big waiting room in a worker thread ~0.5 s earlier, while they load and compile.
  const { buildApp } = await import('./app.js');
  const app = await buildApp({ config, engine, logger });

  let shuttingDown = false;
  let shutdownStartedAtMs = 0;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (shuttingDown) {
      if (performance.now() - shutdownStartedAtMs < REPEATED_SIGNAL_FORCES_EXIT_AFTER_MS) return;
      logger.warn({ signal }, 'second signal: exiting without a clean shutdown');
      process.exit(1);
    }
    shuttingDown = true;
    shutdownStartedAtMs = performance.now();
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
  logger.info({ recoveryMs: Math.round(performance.now() - recoveryStartedAt), ...describe }, 'engine recovered; ready');

  if (!config.isProduction && !shuttingDown) {
    const created = await seedDemo();
    if (created > 0) logger.info({ concerts: created }, 'empty database: demo catalogue seeded');
  }
}

main().catch((error: unknown) => {
  // The logger may not exist yet (or be the failure); stderr always does.
  process.stderr.write(`Fatal start-up error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
