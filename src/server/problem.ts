import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ChipError } from '../chip/index.ts';
import { type ErrorDetail, type ErrorKind, isAppError } from '../core/index.ts';

/** The only place an error kind becomes an HTTP status. */
export const STATUS_OF: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'too-large': 413,
  'unsupported-media': 415,
  internal: 500,
};

/** Server-level error codes (the domains document their own). */
export const SERVER_ERRORS = {
  REQUEST_INVALID: 'The request does not match the route schema (see details).',
  REQUEST_MALFORMED_JSON: 'The request body is not valid JSON.',
  REQUEST_TOO_LARGE: 'The request body is larger than the limit.',
  REQUEST_UNSUPPORTED_MEDIA_TYPE: 'The Content-Type is not one this route accepts.',
  ROUTE_NOT_FOUND: 'No route has this method and path.',
  AUTH_MISSING_CREDENTIAL:
    "The route is for staff: sign in with your own card and act under a staff grant, or send an institution's machine credential as `Authorization: Bearer <credential>`.",
  AUTH_NOT_ACTING_AS_STAFF:
    'You are signed in as yourself; choose one of your staff grants (POST /v1/auth/staff/act) to use staff routes.',
  AUTH_NOT_ENTITLED: 'Your institution does not hold the entitlement this route needs.',
  AUTH_ROLE_FORBIDDEN: 'The role you act in may not use this route.',
  AUTH_PURPOSE_REQUIRED:
    'Personal data is only shown for a stated purpose: send the `X-Myna-Purpose` header.',
  INTERNAL:
    'Something failed inside Myna; the request changed nothing. Try again, and report the request id if it persists.',
} as const;

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  details: ErrorDetail[];
  requestId: string;
}

function problem(
  request: FastifyRequest,
  status: number,
  code: string,
  detail: string,
  details: readonly ErrorDetail[] = [],
): Problem {
  return {
    type: `urn:myna:error:${code}`,
    title: code,
    status,
    code,
    detail,
    details: [...details],
    requestId: String(request.id),
  };
}

export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  code: string,
  detail: string,
  details: readonly ErrorDetail[] = [],
): FastifyReply {
  return reply
    .code(status)
    .type('application/problem+json')
    .send(problem(request, status, code, detail, details));
}

/** Maps any thrown value to problem+json. Never leaks an internal message. */
export function errorHandler(
  error: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  if (isAppError(error)) {
    const status = STATUS_OF[error.kind];
    if (status >= 500) request.log.error({ code: error.code }, 'internal error');
    return sendProblem(
      request,
      reply,
      status,
      error.code,
      error.expose ? error.message : SERVER_ERRORS.INTERNAL,
      error.expose ? error.details : [],
    );
  }
  if (error instanceof ChipError) {
    // The chip's errors use the same kinds; a chip answer is never an internal detail to hide,
    // except when the chip itself failed.
    const status = STATUS_OF[error.kind];
    if (status >= 500) request.log.error({ code: error.code }, 'chip error');
    return sendProblem(
      request,
      reply,
      status,
      error.code,
      status >= 500 ? SERVER_ERRORS.INTERNAL : error.message,
    );
  }
  const fe = error as FastifyError;
  if (fe.validation !== undefined) {
    // A body of the wrong shape can fail once per byte; a few details say enough.
    const details = fe.validation.slice(0, 20).map((v) => ({
      at:
        v.instancePath ||
        (v.params as { missingProperty?: string; additionalProperty?: string }).missingProperty ||
        (v.params as { additionalProperty?: string }).additionalProperty ||
        '',
      code: `SCHEMA_${String(v.keyword).toUpperCase()}`,
      message: v.message ?? 'invalid',
    }));
    return sendProblem(
      request,
      reply,
      400,
      'REQUEST_INVALID',
      `${fe.validationContext ?? 'request'} is invalid`,
      details,
    );
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return sendProblem(request, reply, 400, 'REQUEST_MALFORMED_JSON', SERVER_ERRORS.REQUEST_MALFORMED_JSON);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return sendProblem(request, reply, 413, 'REQUEST_TOO_LARGE', SERVER_ERRORS.REQUEST_TOO_LARGE);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return sendProblem(
        request,
        reply,
        415,
        'REQUEST_UNSUPPORTED_MEDIA_TYPE',
        SERVER_ERRORS.REQUEST_UNSUPPORTED_MEDIA_TYPE,
      );
    default:
      break;
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return sendProblem(request, reply, fe.statusCode, 'REQUEST_INVALID', fe.message);
  }
  request.log.error({ err: { type: error.name, code: fe.code } }, 'unhandled error');
  return sendProblem(request, reply, 500, 'INTERNAL', SERVER_ERRORS.INTERNAL);
}

export const problemSchema = {
  type: 'object',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string' },
    detail: { type: 'string' },
    details: {
      type: 'array',
      items: {
        type: 'object',
        properties: { at: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' } },
      },
    },
    requestId: { type: 'string' },
  },
} as const;

/** The problem responses a route may give, for its OpenAPI `response` (400 is required). */
export const commonProblems = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  409: problemSchema,
  413: problemSchema,
  415: problemSchema,
  429: problemSchema,
} as const;
