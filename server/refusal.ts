// A refusal as the caller sees it: the message of a user-facing error with the status the shared table gives its
// class (shared/protocol-errors.ts); anything else is a bug, logged here and sent as an internal error.
// A server stream is refused with call.emit('error', status): grpc-js then sends the status; call.destroy() would
// not, and the client would wait forever.
import * as grpc from '@grpc/grpc-js';
import { UserFacingError } from '../shared/errors.js';
import type { Logger } from '../shared/logging.js';
import { statusOfRefusal } from '../shared/protocol-errors.js';
import { grpcError } from './grpc-error.js';

export function refusal(error: unknown, log: Logger, workerId?: number): grpc.ServiceError {
  if (error instanceof UserFacingError) {
    log.warn({ workerId, reason: error.message }, 'refused a request');
    return grpcError(statusOfRefusal(error), error.message);
  }
  log.error({ err: error, workerId }, 'internal error while serving a request');
  return grpcError(grpc.status.INTERNAL, 'internal server error; see the server log');
}

/** The same status without a log line: for refusals that are routine (an unknown worker after a restart). */
export function quietRefusal(error: UserFacingError): grpc.ServiceError {
  return grpcError(statusOfRefusal(error), error.message);
}
