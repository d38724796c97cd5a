/**
 * The webhook dispatcher as part of the app: started when the app is ready, stopped (its requests under way
 * finished or timed out) when it closes, before the engine. In a cluster only the leader delivers.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { WebhookDispatcher } from './dispatcher.js';

declare module 'fastify' {
  interface FastifyInstance {
    webhookDispatcher: WebhookDispatcher;
  }
}

async function webhookDelivery(app: FastifyInstance): Promise<void> {
  const { engine, config } = app;
  const dispatcher = new WebhookDispatcher({
    engine,
    logger: app.log.child({ component: 'webhooks' }),
    isDeliverer: () => engine.replication?.().leader ?? true,
    timeoutMs: config.webhooks.timeoutMs,
    concurrencyPerEndpoint: config.webhooks.concurrencyPerEndpoint,
  });
  app.decorate('webhookDispatcher', dispatcher);
  app.addHook('onReady', async () => dispatcher.start());
  app.addHook('onClose', async () => dispatcher.stop());
}

export default fp(webhookDelivery, { name: 'webhook-delivery' });
