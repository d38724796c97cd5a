/** Cluster mode's configuration: NATS_URL turns it on; nodes must share their secrets. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const SECRETS = {
  AUTH_SECRET: 'cluster-auth-secret-0123456789abcdef-0123456789',
  ADMIN_KEY: 'cluster-admin-key-0123456789',
  TICKET_SIGNING_KEY: 'MC4CAQAwBQYDK2VwBCIEIER6eWZ5/hflaMeBeAoKXbhxc8R4+vdVESG0QP29Y/1A',
};

function configError(env: Record<string, string>): string {
  try {
    loadConfig(env, () => ({ authSecret: 'generated-auth-secret-0123456789abcdef', adminKey: 'generated-admin-key-0123', ticketSigningKey: 'generated' }));
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('no ConfigError');
}

describe('cluster configuration', () => {
  it('given no NATS_URL, then the engine is embedded', () => {
    expect(loadConfig({ ...SECRETS, DB_PATH: ':memory:' }).cluster).toBeNull();
  });

  it('given NATS_URL, then the node joins the cluster with its defaults', () => {
    const config = loadConfig({ ...SECRETS, NATS_URL: 'nats://10.0.0.1:4222, nats://10.0.0.2:4222', NODE_ID: 'node-a', DB_PATH: '/var/lib/booking/booking.db' });
    expect(config.cluster).toEqual({
      natsServers: ['nats://10.0.0.1:4222', 'nats://10.0.0.2:4222'], nodeId: 'node-a', clusterName: 'booking',
      replicas: 3, leaseTtlMs: 3_000, replicaDbPath: '/var/lib/booking/replica-node-a.db',
    });
  });

  it('given NATS_URL without shared secrets, then the node refuses to start rather than mint tokens no other node accepts', () => {
    expect(configError({ NATS_URL: 'nats://127.0.0.1:4222', ADMIN_KEY: SECRETS.ADMIN_KEY })).toMatch(/^AUTH_SECRET: is required in cluster mode/);
    expect(configError({ NATS_URL: 'nats://127.0.0.1:4222', AUTH_SECRET: SECRETS.AUTH_SECRET })).toMatch(/^ADMIN_KEY: is required in cluster mode/);
    expect(configError({ NATS_URL: 'nats://127.0.0.1:4222', AUTH_SECRET: SECRETS.AUTH_SECRET, ADMIN_KEY: SECRETS.ADMIN_KEY })).toMatch(/^TICKET_SIGNING_KEY: is required in cluster mode/);
  });

  it('given bad cluster values, then each names its variable, and a URL\'s password is not repeated', () => {
    const message = configError({ ...SECRETS, NATS_URL: 'nats://user:hunter2@host:4222/path' });
    expect(message).toMatch(/^NATS_URL: /);
    expect(message).not.toContain('hunter2');
    expect(configError({ ...SECRETS, NATS_URL: 'nats://h:4222', NODE_ID: 'bad id' })).toMatch(/^NODE_ID: /);
    expect(configError({ ...SECRETS, NATS_URL: 'nats://h:4222', CLUSTER_NAME: 'Upper' })).toMatch(/^CLUSTER_NAME: /);
    expect(configError({ ...SECRETS, NATS_URL: 'nats://h:4222', CLUSTER_REPLICAS: '7' })).toMatch(/^CLUSTER_REPLICAS: /);
    expect(configError({ ...SECRETS, NATS_URL: 'nats://h:4222', CLUSTER_LEASE_TTL_MS: '100' })).toMatch(/^CLUSTER_LEASE_TTL_MS: /);
  });
});
