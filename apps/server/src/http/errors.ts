import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DelineateError, isDelineateError, type ErrorCode } from '@delineate/schema';
import { translateDbError } from '@delineate/store';

interface ErrorBody {
  code: ErrorCode;
  message: string;
  [detail: string]: string | number | boolean | null;
}

/** Maps Fastify's own failures (parsing, limits) to stable DLN_ codes. */
function fromFastifyError(error: FastifyError): DelineateError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new DelineateError('DLN_REQUEST_UNSUPPORTED_MEDIA', 'Unsupported content type for this route');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new DelineateError('DLN_REQUEST_TOO_LARGE', 'Request body is larger than this route accepts');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new DelineateError('DLN_REQUEST_INVALID', 'Request body is missing or malformed');
    default:
      break;
  }
  if (error.statusCode === 400 || error instanceof SyntaxError) {
    return new DelineateError('DLN_REQUEST_INVALID', 'Request body is not valid JSON');
  }
  return undefined;
}

/**
 * A refusal sent before the body was read (401, 413, 415, a timeout) closes the connection after
 * the answer; otherwise Node would read and discard the rest of the body to reuse the socket.
 */
function closeIfBodyUnread(request: FastifyRequest, reply: FastifyReply): void {
  if (!request.raw.complete) reply.header('connection', 'close');
}

/** A database error a repository did not translate: coded in domain words, like the ones it did. */
function fromDatabaseError(error: unknown): DelineateError | undefined {
  const translated = translateDbError(error);
  return isDelineateError(translated) ? translated : undefined;
}

export function errorBody(error: DelineateError): ErrorBody {
  return { ...(error.details ?? {}), code: error.code, message: error.message };
}

/**
 * Every error leaves as `{ code, message }` with a fitting status. Unknown errors become
 * DLN_INTERNAL with a generic message: their text could carry values from the request.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    closeIfBodyUnread(request, reply);
    const known = isDelineateError(error) ? error : (fromDatabaseError(error) ?? fromFastifyError(error));
    if (known) {
      if (known.status >= 500) request.log.error({ code: known.code }, 'request failed');
      // Every throttled answer (sign-in, second factor, password re-entry) says when to retry.
      if (typeof known.details?.retryAfterSeconds === 'number') reply.header('Retry-After', String(known.details.retryAfterSeconds));
      return reply.status(known.status).type('application/json').send(errorBody(known));
    }
    // Log the error's type and stack frames only, not its message (it may quote input).
    request.log.error({ errorName: error.name, fastifyCode: error.code, stack: error.stack?.split('\n').slice(1, 6).join('\n') }, 'unhandled error');
    const internal = new DelineateError('DLN_INTERNAL', 'Internal error; the event was logged');
    return reply.status(500).type('application/json').send(errorBody(internal));
  });
  app.setNotFoundHandler((request, reply) => {
    closeIfBodyUnread(request, reply);
    const error = new DelineateError('DLN_ROUTE_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0] ?? ''}`);
    return reply.status(404).send(errorBody(error));
  });
}
