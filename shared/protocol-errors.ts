// The refusals both ends of the protocol know, and the one table that maps each to its gRPC status: the server
// turns a refusal into its status, the worker turns the status back into the same class and acts on it.
import * as grpc from '@grpc/grpc-js';
import { ProtocolError, UserFacingError } from './errors.js';

/** The server does not know this worker (it restarted, or dropped the worker): join again. */
export class NotAMemberError extends ProtocolError {}

/** The call names a worker id without that membership's secret: refused; a real worker joins again. */
export class NotThisMemberError extends NotAMemberError {}

/** The worker is behind (missed a deadline, or the server restarted): it should fetch the parameters. */
export class OutOfStepError extends ProtocolError {}

/** The worker already has a contribution stream open for this round; a worker sends one at a time. */
export class StreamAlreadyOpenError extends OutOfStepError {}

/** The contribution itself was unusable (NaN or ±Infinity); the round goes on without it. */
export class ContributionRefusedError extends ProtocolError {}

/** Every data shard already has a worker. */
export class RunFullError extends ProtocolError {}

/** The call carried no token, or another one than the server's. */
export class TokenRefusedError extends ProtocolError {}

/** The two ends speak different protocol versions. */
export class VersionMismatchError extends ProtocolError {}

/** A sharded run's primary still waits for shard servers to register: try again shortly. */
export class ShardsNotReadyError extends ProtocolError {}

/** A call the server does not serve in its role (Join at a shard server, a shard of another run). */
export class WrongServerRoleError extends ProtocolError {}

type RefusalClass = new (message: string) => ProtocolError;

/** Most specific first: a class's status applies to its subclasses unless they have their own row. */
const REFUSAL_STATUSES: ReadonlyArray<readonly [RefusalClass, grpc.status]> = [
  [TokenRefusedError, grpc.status.UNAUTHENTICATED],
  [NotThisMemberError, grpc.status.PERMISSION_DENIED],
  [NotAMemberError, grpc.status.NOT_FOUND],
  [StreamAlreadyOpenError, grpc.status.ALREADY_EXISTS],
  [OutOfStepError, grpc.status.FAILED_PRECONDITION],
  [VersionMismatchError, grpc.status.FAILED_PRECONDITION],
  [ContributionRefusedError, grpc.status.OUT_OF_RANGE],
  [RunFullError, grpc.status.RESOURCE_EXHAUSTED],
  [ShardsNotReadyError, grpc.status.UNAVAILABLE],
  [WrongServerRoleError, grpc.status.FAILED_PRECONDITION],
  [ProtocolError, grpc.status.INVALID_ARGUMENT],
];

/** The status a refusal travels as; any other user-facing error is a refusal of the request as it was sent. */
export function statusOfRefusal(error: UserFacingError): grpc.status {
  return REFUSAL_STATUSES.find(([refusal]) => error instanceof refusal)?.[1] ?? grpc.status.INVALID_ARGUMENT;
}

/** The refusal a status stands for, on the receiving end (the first class in the table with that status). */
export function refusalFromStatus(code: grpc.status, message: string): ProtocolError {
  const refusal = REFUSAL_STATUSES.find(([, status]) => status === code)?.[0] ?? ProtocolError;
  return new refusal(message);
}
