// A gRPC status error whose details are the message the other side shows its user.
import * as grpc from '@grpc/grpc-js';

export function grpcError(code: grpc.status, details: string): grpc.ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() });
}
