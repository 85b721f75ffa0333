// A refusal as the caller sees it: the message of a user-facing error with the status the shared table gives its
// class (shared/protocol-errors.ts), and a log line (rate-limited, server/refusal-log.ts); anything else is a
// bug, logged here and sent as an internal error.
// A server stream is refused with call.emit('error', status): grpc-js then sends the status; call.destroy() would
// not, and the client would wait forever.
import * as grpc from '@grpc/grpc-js';
import { UserFacingError } from '../shared/errors.js';
import type { Logger } from '../shared/logging.js';
import { NotAMemberError, statusOfRefusal } from '../shared/protocol-errors.js';
import { grpcError } from './grpc-error.js';
import type { RefusalLog } from './refusal-log.js';

/** `context`: more fields for the log line (anything quoted from the peer already capped with quotePeer). */
export function refusal(
  error: unknown, refusals: RefusalLog, log: Logger, workerId?: number, context: Record<string, unknown> = {},
): grpc.ServiceError {
  if (error instanceof UserFacingError) {
    refusals.warn(error instanceof NotAMemberError ? 'membership' : 'request', { workerId, ...context, reason: error.message }, 'refused a request');
    return grpcError(statusOfRefusal(error), error.message);
  }
  log.error({ err: error, workerId }, 'internal error while serving a request');
  return grpcError(grpc.status.INTERNAL, 'internal server error; see the server log');
}
