/**
 * Venue layouts: an organiser imports a layout once (sections, rows, seat labels, price categories,
 * accessibility flags, blocked seats, general admission areas; docs/venue-layout.md) and reads it back.
 * A layout that is not valid is refused whole with every problem found, each with its JSON path.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AdminHeaders, adminKeyGuard } from './admin-key.js';
import { unwrap } from './errors.js';
import { ADMIN_SECURITY, ALWAYS, IsoDateTime, OpaqueId, errorResponses } from './schemas.js';

/** An 80,000-seat arena in the compact format is 94,815 bytes (the demo arena's rows, 32 sections); the API's default limit is 64 KiB. */
const LAYOUT_BODY_LIMIT_BYTES = 4 * 1_048_576;

const Layout = Type.Object({
  layoutId: Type.String(),
  createdAt: IsoDateTime,
  name: Type.String(),
  version: Type.Integer({ minimum: 1 }),
  seatCount: Type.Integer({ minimum: 0, description: 'Numbered seats' }),
  sellableSeatCount: Type.Integer({ minimum: 0, description: 'Numbered seats not blocked' }),
  sections: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), rows: Type.Integer(), seats: Type.Integer() })),
  categories: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), priceWon: Type.Integer(), rank: Type.Integer(), seats: Type.Integer() }), { description: 'Best first' }),
  generalAdmission: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), category: Type.String(), capacity: Type.Integer() })),
  accessibility: Type.Object({ wheelchair: Type.Integer(), companion: Type.Integer(), restrictedView: Type.Integer(), blocked: Type.Integer() }),
});
const LayoutDetail = Type.Object({ ...Layout.properties, layout: Type.Unknown({ description: 'The JSON as imported' }) });

const layoutRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const requireAdminKey = adminKeyGuard(app);
  const common = { tags: ['admin'], security: ADMIN_SECURITY, headers: AdminHeaders };

  app.post('/admin/layouts', {
    onRequest: [requireAdminKey],
    bodyLimit: LAYOUT_BODY_LIMIT_BYTES,
    schema: {
      ...common,
      summary: 'Import a venue layout (docs/venue-layout.md): validated whole, or refused with every problem and its JSON path',
      body: Type.Object({}, { additionalProperties: true, description: 'The layout JSON: { name, version, categories, sections, generalAdmission? }' }),
      response: { 201: Layout, ...errorResponses(400, 401, 413, ...ALWAYS) },
    },
  }, async (request, reply) => {
    const created = unwrap(await app.engine.createLayout({ layout: request.body }));
    reply.code(201);
    return created;
  });

  app.get('/admin/layouts', {
    onRequest: [requireAdminKey],
    schema: { ...common, summary: 'The imported venue layouts, oldest first', response: { 200: Type.Object({ layouts: Type.Array(Layout) }), ...errorResponses(401, ...ALWAYS) } },
  }, async () => ({ layouts: app.engine.listLayouts() }));

  app.get('/admin/layouts/:layoutId', {
    onRequest: [requireAdminKey],
    schema: {
      ...common,
      summary: 'One venue layout, with the JSON it was imported as',
      params: Type.Object({ layoutId: OpaqueId }),
      response: { 200: LayoutDetail, ...errorResponses(400, 401, 404, ...ALWAYS) },
    },
  }, async (request) => unwrap(app.engine.getLayout(request.params.layoutId)));
};

export default layoutRoutes;
