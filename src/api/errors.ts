/**
 * The one place where failures become HTTP responses: `{ statusCode, code, error, message, details? }`.
 * Domain refusals arrive as DomainError values (thrown as ApiError by handlers); framework errors
 * (validation, malformed JSON, oversized bodies, rate limits) are mapped to the contract's codes;
 * anything else is a 500 that says nothing about internals.
 */
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { ERROR_CODES, statusOf, type DomainError, type ErrorCode, type Result } from '../domain/error-codes.js';

export class ApiError extends Error {
  readonly domainError: DomainError;

  constructor(domainError: DomainError) {
    super(domainError.message);
    this.name = 'ApiError';
    this.domainError = domainError;
  }

  get statusCode(): number {
    return statusOf(this.domainError.code);
  }
}

/** The error for `code`, to throw or to hand to a callback-style hook's `done`. */
export function apiError(code: ErrorCode, details?: Record<string, unknown>, message?: string): ApiError {
  const domainError: DomainError = details === undefined
    ? { code, message: message ?? ERROR_CODES[code].message }
    : { code, message: message ?? ERROR_CODES[code].message, details };
  return new ApiError(domainError);
}

export function raise(code: ErrorCode, details?: Record<string, unknown>, message?: string): never {
  throw apiError(code, details, message);
}

/** The value of a successful result; a refusal is thrown as ApiError for the error handler to render. */
export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw new ApiError(result.error);
}

const ERROR_CODE_LIST = Object.keys(ERROR_CODES) as ErrorCode[];

export const errorResponseSchema = Type.Object(
  {
    statusCode: Type.Integer({ minimum: 400, maximum: 599 }),
    code: Type.Unsafe<ErrorCode>({ type: 'string', enum: ERROR_CODE_LIST }),
    error: Type.String({ description: 'HTTP reason phrase' }),
    message: Type.String(),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { title: 'ErrorResponse', additionalProperties: false },
);

export type ErrorResponse = Static<typeof errorResponseSchema>;

function reasonPhrase(statusCode: number): string {
  return STATUS_CODES[statusCode] ?? 'Error';
}

export function errorBody(error: DomainError, statusCode: number = statusOf(error.code)): ErrorResponse {
  const body: ErrorResponse = { statusCode, code: error.code, error: reasonPhrase(statusCode), message: error.message };
  if (error.details !== undefined) body.details = error.details;
  return body;
}

export function sendError(reply: FastifyReply, error: DomainError, statusCode: number = statusOf(error.code)): FastifyReply {
  return reply.code(statusCode).type('application/json; charset=utf-8').send(errorBody(error, statusCode));
}

interface AjvIssue {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** `body.seatNumbers.0`, `querystring.status`: where the problem is, in the client's terms. */
function fieldPath(context: string | undefined, issue: AjvIssue): string {
  const segments = (issue.instancePath ?? '').split('/').filter((segment) => segment !== '')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  const missing = issue.params?.['missingProperty'];
  const additional = issue.params?.['additionalProperty'];
  if (typeof missing === 'string') segments.push(missing);
  else if (typeof additional === 'string') segments.push(additional);
  return [context ?? 'request', ...segments].join('.');
}

function validationDetails(error: FastifyError): Record<string, unknown> {
  const issues = (error.validation ?? []) as AjvIssue[];
  return {
    fields: issues.map((issue) => ({ field: fieldPath(error.validationContext, issue), message: issue.message ?? 'is invalid' })),
  };
}

/** Client errors raised by Fastify or its plugins carry a status; their messages are written for clients. */
function clientErrorCode(statusCode: number): ErrorCode {
  switch (statusCode) {
    case 401: return 'UNAUTHENTICATED';
    case 403: return 'FORBIDDEN';
    case 404: return 'NOT_FOUND';
    case 429: return 'RATE_LIMITED';
    default: return 'VALIDATION_ERROR';
  }
}

function statusCodeOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const candidate = (error as { statusCode?: unknown }).statusCode;
  return typeof candidate === 'number' && Number.isInteger(candidate) ? candidate : undefined;
}

const BODY_TOO_LARGE_MESSAGE = 'The request body is larger than this server accepts.';

/** Maps anything thrown in a request to the contract's error shape (status and body). */
export function toErrorResponse(error: unknown): { statusCode: number; body: ErrorResponse; internal: boolean } {
  if (error instanceof ApiError) {
    return { statusCode: error.statusCode, body: errorBody(error.domainError), internal: false };
  }
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.validation !== undefined) {
    const domainError: DomainError = {
      code: 'VALIDATION_ERROR',
      message: fastifyError.message ?? ERROR_CODES.VALIDATION_ERROR.message,
      details: validationDetails(fastifyError as FastifyError),
    };
    return { statusCode: 400, body: errorBody(domainError), internal: false };
  }
  const statusCode = statusCodeOf(error);
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || statusCode === 413) {
    // The contract has no dedicated code for 413; it is a malformed request, so VALIDATION_ERROR with the real status.
    return { statusCode: 413, body: errorBody({ code: 'VALIDATION_ERROR', message: BODY_TOO_LARGE_MESSAGE }, 413), internal: false };
  }
  if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) {
    const code = clientErrorCode(statusCode);
    const message = typeof fastifyError.message === 'string' && fastifyError.message !== ''
      ? fastifyError.message
      : ERROR_CODES[code].message;
    return { statusCode, body: errorBody({ code, message }, statusCode), internal: false };
  }
  return { statusCode: 500, body: errorBody({ code: 'INTERNAL_ERROR', message: ERROR_CODES.INTERNAL_ERROR.message }), internal: true };
}

function handleError(this: FastifyInstance, error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { statusCode, body, internal } = toErrorResponse(error);
  if (internal) request.log.error({ err: error }, 'request failed');
  else if (body.code !== 'VALIDATION_ERROR' || statusCode !== 400) request.log.debug({ code: body.code }, 'request refused');
  return reply.code(statusCode).type('application/json; charset=utf-8').send(body);
}

function pathOnly(url: string): string {
  const queryStart = url.indexOf('?');
  return queryStart === -1 ? url : url.slice(0, queryStart);
}

function handleNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  // The query string is left out: it may carry tokens.
  return sendError(reply, { code: 'NOT_FOUND', message: `Route ${request.method} ${pathOnly(request.url)} not found.` });
}

/** Call on the root instance before routes so every plugin's errors come out in the contract's shape. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);
}
