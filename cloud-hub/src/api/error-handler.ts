import type { FastifyError } from 'fastify';
import type { HubFastify } from './api-deps.js';
import { ApiError, ERROR_CATALOGUE, errorBody, type ErrorCode } from './errors.js';

/** Everything that goes wrong answers `{ error: { code, message } }` with a catalogue code. */
export function installErrorHandling(app: HubFastify): void {
  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    if (error instanceof ApiError) {
      if (error.code === 'unauthorized') void reply.header('www-authenticate', 'Bearer');
      return reply.status(error.status).send(errorBody(error.code, error.message));
    }
    if (error.validation) {
      return reply.status(400).send(errorBody('invalid_request', error.message));
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
