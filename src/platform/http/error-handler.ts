import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError, type ErrorCode, type FieldProblem } from '../errors.js';

type ErrorBody = { error: { code: ErrorCode; message: string; [key: string]: unknown } };

const DB_UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P03', '08006', '08001', '08003']);
/** SQLSTATE class 53: the database is out of disk, memory or connections. */
const DB_RESOURCES = /^53/;

function isDatabaseUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  const message = (error as Error).message ?? '';
  return (
    (typeof code === 'string' && (DB_UNAVAILABLE.has(code) || DB_RESOURCES.test(code))) ||
    /Connection terminated|connect ECONNREFUSED|connection error and is not queryable|timeout exceeded when trying to connect|Query read timeout/.test(message)
  );
}

/**
 * What of an error goes to the log. Database errors carry the failed query's parameters — ciphertexts,
 * token hashes, addresses — which must not end up in log files.
 */
function loggable(error: unknown): Record<string, unknown> {
  const { name, message, stack } = error as Error;
  const { code, statusCode, severity, routine } = error as { code?: unknown; statusCode?: unknown; severity?: unknown; routine?: unknown };
  return { type: name, message, code, statusCode, severity, routine, stack };
}

function fieldsFromValidation(error: FastifyError & { validation: { instancePath: string; message?: string; keyword: string; params: Record<string, unknown> }[] }): FieldProblem[] {
  const context = error.validationContext;
  return error.validation.map((issue) => {
    const pathParts = issue.instancePath.split('/').filter(Boolean);
    const unknownKeys = issue.keyword === 'unrecognized_keys' ? (issue.params.keys as string[] | undefined) : undefined;
    const field = [...(context && context !== 'body' ? [context] : []), ...pathParts].join('.') || (unknownKeys?.join(',') ?? context ?? 'body');
    return { field, code: issue.keyword, message: issue.message ?? 'invalid value' };
  });
}

/**
 * Every failure leaves as `{error: {code, message, ...}}` with a code from the catalogue. Internal
 * details of 5xx answers go to the log only.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    let status: number;
    let body: ErrorBody;
    if (error instanceof AppError) {
      status = error.status;
      if (typeof error.details.retryAfterSeconds === 'number') void reply.header('retry-after', String(error.details.retryAfterSeconds));
      body = { error: { code: error.code, message: error.message, ...error.details } };
    } else if (hasZodFastifySchemaValidationErrors(error)) {
      status = 400;
      const fields = fieldsFromValidation(error as never);
      body = { error: { code: 'VALIDATION_FAILED', message: `Invalid ${error.validationContext ?? 'request'}: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, fields } };
    } else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      status = 413;
      body = { error: { code: 'PAYLOAD_TOO_LARGE', message: 'The request body is larger than this server accepts.' } };
    } else if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      status = 415;
      body = { error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Send JSON with Content-Type: application/json.' } };
    } else if (error.statusCode === 400 && error.code?.startsWith('FST_ERR_CTP')) {
      status = 400;
      body = { error: { code: 'VALIDATION_FAILED', message: `The request body could not be read: ${error.message}`, fields: [{ field: 'body', code: 'invalid_body', message: error.message }] } };
    } else if (error.statusCode === 429) {
      status = 429;
      body = { error: { code: 'RATE_LIMITED', message: 'Too many requests; try again later.' } };
    } else if (typeof (error as { code?: unknown }).code === 'string' && /^22/.test((error as { code: string }).code) && 'severity' in error) {
      // SQLSTATE class 22 (data exception): a value the database cannot store, e.g. a NUL character in
      // text. The transaction was rolled back; it is the client's input, not our failure.
      status = 400;
      body = { error: { code: 'VALIDATION_FAILED', message: 'A value contains characters or a format that cannot be stored (for example a NUL character).', fields: [] } };
    } else if (isDatabaseUnavailable(error)) {
      status = 503;
      request.log.error({ err: loggable(error) }, 'database unavailable');
      body = { error: { code: 'DATABASE_UNAVAILABLE', message: 'The database is unavailable; try again shortly.', requestId: request.id } };
      void reply.header('retry-after', '5');
    } else {
      status = 500;
      request.log.error({ err: loggable(error), serialization: isResponseSerializationError(error) }, 'unhandled error');
      // The request id lets an operator find the logged details; nothing internal goes to the client.
      body = { error: { code: 'INTERNAL_ERROR', message: 'Something went wrong on our side; the error has been logged.', requestId: request.id } };
    }
    return reply.status(status).send(body);
  });

  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: { code: 'NOT_FOUND', message: `No route for ${request.method} ${request.url.split('?')[0]}` } }),
  );
}
