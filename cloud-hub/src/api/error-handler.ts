import { checkSchema, formatProblem } from '@afferent/device-profiles';
import type { FastifyError, FastifyRequest } from 'fastify';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import type { HubFastify } from './api-deps.js';
import { ApiError, ERROR_CATALOGUE, errorBody, type ErrorCode } from './errors.js';

const PARTS = { body: 'body', querystring: 'query', params: 'params', headers: 'headers' } as const;

/**
 * Validation failures in the same words as config and profile errors
 * ("query limit: expected an integer 1–100000, got "abc""), by checking the
 * request part again with device-profiles' checkSchema.
 */
function describeValidation(request: FastifyRequest, error: FastifyError): string {
  const part = error.validationContext as keyof typeof PARTS | undefined;
  const schema = part ? (request.routeOptions.schema?.[part] as TSchema | undefined) : undefined;
  if (!part || !schema) return error.message;
  const raw = part === 'querystring' ? request.query : request[part];
  // Query and path values arrive as text; the validator converted them before checking, so do the same.
  const value = part === 'body' ? raw : Value.Convert(schema, raw);
  const problems = checkSchema(schema, value);
  if (problems.length === 0) return error.message;
  return problems.map((p) => `${PARTS[part]} ${formatProblem(p)}`).join('; ');
}

/** Everything that goes wrong answers `{ error: { code, message } }` with a catalogue code. */
export function installErrorHandling(app: HubFastify): void {
  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    if (error instanceof ApiError) {
      if (error.code === 'unauthorized') void reply.header('www-authenticate', 'Bearer');
      return reply.status(error.status).send(errorBody(error.code, error.message));
    }
    if (error.validation) {
      return reply.status(400).send(errorBody('invalid_request', describeValidation(request, error)));
    }
    const status = error.statusCode ?? 500;
    if (status < 500) {
      const code: ErrorCode = status === 413 ? 'payload_too_large' : status === 415 ? 'unsupported_media_type'
        : status === 404 ? 'not_found' : 'invalid_request';
      return reply.status(ERROR_CATALOGUE[code].status).send(errorBody(code, error.message));
    }
    request.log.error({ err: error, url: request.url }, 'request failed');
    return reply.status(500).send(errorBody('internal'));
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send(errorBody('not_found', `no route ${request.method} ${request.url.split('?')[0]}`));
  });
}
