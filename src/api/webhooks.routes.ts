/**
 * Events for the platform around the engine: the outbox as a pull feed, and the organiser's webhook
 * endpoints with their deliveries. Every route needs X-Admin-Key.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { EVENT_TYPES, eventSequenceOf } from '../domain/webhooks.js';
import { AdminHeaders, adminKeyGuard } from './admin-key.js';
import { raise, unwrap } from './errors.js';
import { ADMIN_SECURITY, ALWAYS, IsoDateTime, NullableIsoDateTime, OpaqueId, StringEnum, errorResponses } from './schemas.js';

const MAX_PAGE = 1_000;
const MAX_DESCRIPTION_LENGTH = 500;

const EventType = StringEnum(EVENT_TYPES);
const EventTypes = Type.Array(EventType, { minItems: 1, maxItems: EVENT_TYPES.length, uniqueItems: true, description: 'The event types the endpoint receives' });
const DeliveryStatus = StringEnum(['PENDING', 'DELIVERED', 'PARKED'], {
  description: 'PENDING: waiting for its next attempt; DELIVERED: the receiver answered 2xx; PARKED: out of attempts',
});

const Event = Type.Object({
  id: Type.String({ description: '`evt_<sequence>`: the same id on every delivery of the event (de-duplicate on it)' }),
  sequence: Type.Integer({ minimum: 1, description: 'Order of the events (the order of their commits)' }),
  type: EventType,
  createdAt: IsoDateTime,
  data: Type.Unsafe<unknown>({ type: 'object', additionalProperties: true, description: 'The type\'s payload (see the API reference)' }),
});
const EventFeed = Type.Object({
  events: Type.Array(Event),
  nextAfter: Type.Integer({ minimum: 0, description: 'Pass as `after` for the next page' }),
});

const EndpointFields = {
  endpointId: Type.String(),
  url: Type.String(),
  events: Type.Array(EventType),
  description: Type.String(),
  enabled: Type.Boolean(),
  createdAt: IsoDateTime,
  deliveredThrough: Type.Integer({ minimum: 0, description: 'Every event up to this sequence was attempted (or is not one this endpoint takes)' }),
  pendingDeliveries: Type.Integer({ minimum: 0 }),
  parkedDeliveries: Type.Integer({ minimum: 0 }),
};
const Endpoint = Type.Object(EndpointFields);
const EndpointCreated = Type.Object({
  ...EndpointFields,
  secret: Type.String({ description: 'The signing secret (`whsec_...`): shown only in this answer; keep it' }),
});
const Delivery = Type.Object({
  endpointId: Type.String(),
  eventId: Type.String(),
  eventType: EventType,
  status: DeliveryStatus,
  attempts: Type.Integer({ minimum: 0, description: 'Attempts in the current round (a retried parked delivery starts again at 0)' }),
  lastAttemptAt: IsoDateTime,
  nextAttemptAt: NullableIsoDateTime,
  lastStatusCode: Type.Unsafe<number | null>({ type: ['integer', 'null'] }),
  lastError: Type.Unsafe<string | null>({ type: ['string', 'null'] }),
});

const Url = Type.String({ minLength: 1, maxLength: 2_048, description: 'Absolute http(s) URL that receives POSTs' });
const Description = Type.String({ maxLength: MAX_DESCRIPTION_LENGTH });
const EndpointParams = Type.Object({ endpointId: OpaqueId });

const webhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const requireAdminKey = adminKeyGuard(app);
  const common = { tags: ['webhooks'], security: ADMIN_SECURITY, headers: AdminHeaders };

  app.get('/admin/events', {
    onRequest: [requireAdminKey],
    schema: {
      ...common,
      summary: 'The event feed: events after a sequence, in commit order (the pull twin of webhooks)',
      querystring: Type.Object({
        after: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Sequence of the last event you have (default 0: from the oldest kept)' })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, description: 'Default 100' })),
        type: Type.Optional(Type.Array(EventType, { maxItems: EVENT_TYPES.length, description: 'Only these types (repeat the parameter)' })),
      }, { additionalProperties: false }),
      response: { 200: EventFeed, ...errorResponses(400, 401, ...ALWAYS) },
    },
  }, async (request) => {
    const { after = 0, limit = 100, type } = request.query;
    return app.engine.listEvents({ after, limit, ...(type === undefined ? {} : { types: type }) });
  });

  app.post('/admin/webhooks', {
    onRequest: [requireAdminKey],
    schema: {
      ...common,
      summary: 'Register a webhook endpoint: it receives the events committed from now on, signed with its secret',
      body: Type.Object({ url: Url, events: EventTypes, description: Type.Optional(Description) }, { additionalProperties: false }),
      response: { 201: EndpointCreated, ...errorResponses(400, 401, 409, ...ALWAYS) },
    },
  }, async (request, reply) => {
    const created = unwrap(await app.engine.createWebhookEndpoint(request.body));
    reply.code(201);
    return created;
  });

  app.get('/admin/webhooks', {
    onRequest: [requireAdminKey],
    schema: { ...common, summary: 'Every webhook endpoint with its delivery counts', response: { 200: Type.Object({ endpoints: Type.Array(Endpoint) }), ...errorResponses(401, ...ALWAYS) } },
  }, async () => ({ endpoints: app.engine.listWebhookEndpoints() }));

  app.get('/admin/webhooks/:endpointId', {
    onRequest: [requireAdminKey],
    schema: { ...common, summary: 'One webhook endpoint', params: EndpointParams, response: { 200: Endpoint, ...errorResponses(400, 401, 404, ...ALWAYS) } },
  }, async (request) => unwrap(app.engine.getWebhookEndpoint(request.params.endpointId)));

  app.patch('/admin/webhooks/:endpointId', {
    onRequest: [requireAdminKey],
    schema: {
      ...common,
      summary: 'Change an endpoint: its URL, events, description, or pause it (enabled: false keeps its events for later)',
      params: EndpointParams,
      body: Type.Object({
        url: Type.Optional(Url), events: Type.Optional(EventTypes), description: Type.Optional(Description), enabled: Type.Optional(Type.Boolean()),
      }, { additionalProperties: false, minProperties: 1 }),
      response: { 200: Endpoint, ...errorResponses(400, 401, 404, ...ALWAYS) },
    },
  }, async (request) => unwrap(await app.engine.updateWebhookEndpoint({ endpointId: request.params.endpointId, patch: request.body })));

  app.delete('/admin/webhooks/:endpointId', {
    onRequest: [requireAdminKey],
    schema: {
      ...common,
      summary: 'Remove an endpoint and its delivery records',
      params: EndpointParams,
      response: { 204: Type.Null(), ...errorResponses(400, 401, 404, ...ALWAYS) },
    },
  }, async (request, reply) => {
    unwrap(await app.engine.deleteWebhookEndpoint({ endpointId: request.params.endpointId }));
    reply.code(204);
    return null;
  });

  app.get('/admin/webhooks/:endpointId/deliveries', {
    onRequest: [requireAdminKey],
    schema: {
      ...common,
      summary: 'An endpoint\'s deliveries, the newest event first; `status=PARKED` lists those out of attempts',
      params: EndpointParams,
      querystring: Type.Object({
        status: Type.Optional(DeliveryStatus),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, description: 'Default 100' })),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ deliveries: Type.Array(Delivery) }), ...errorResponses(400, 401, 404, ...ALWAYS) },
    },
  }, async (request) => {
    const { status, limit = 100 } = request.query;
    const deliveries = unwrap(app.engine.listWebhookDeliveries({ endpointId: request.params.endpointId, limit, ...(status === undefined ? {} : { status }) }));
    return { deliveries };
  });

  app.post('/admin/webhooks/:endpointId/deliveries/:eventId/retry', {
    onRequest: [requireAdminKey],
    schema: {
      ...common,
      summary: 'Send a parked delivery again, with a fresh round of attempts',
      params: Type.Object({ endpointId: OpaqueId, eventId: OpaqueId }),
      response: { 200: Delivery, ...errorResponses(400, 401, 404, 409, ...ALWAYS) },
    },
  }, async (request) => {
    const eventSequence = eventSequenceOf(request.params.eventId);
    if (eventSequence === null) raise('WEBHOOK_DELIVERY_NOT_FOUND', { endpointId: request.params.endpointId, eventId: request.params.eventId });
    return unwrap(await app.engine.retryWebhookDelivery({ endpointId: request.params.endpointId, eventSequence }));
  });
};

export default webhookRoutes;
