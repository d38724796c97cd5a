/**
 * Request validation with one Ajv per part of the request. Bodies are strict JSON: `"amount": "100"` is a
 * wrong type and a 400, never a charge of 100 (Fastify's single default Ajv coerces bodies too). Params,
 * query strings and headers arrive as text, so only they are coerced.
 */
import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function ajvWith(options: Options): Ajv {
  const ajv = new Ajv({ removeAdditional: false, useDefaults: true, allErrors: false, strict: false, ...options });
  addFormats(ajv);
  return ajv;
}

export function registerValidation(app: FastifyInstance): void {
  const body = ajvWith({ coerceTypes: false });
  const text = ajvWith({ coerceTypes: 'array' });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? body : text).compile(schema));
}
