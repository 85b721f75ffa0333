// Attend: a worker's presence. The stream stays open while the worker lives; when it breaks the worker has left,
// and the server uses it to tell the worker to stop.
import type * as grpc from '@grpc/grpc-js';
import { NotAMemberError } from '../../shared/protocol-errors.js';
import type { AttendRequest__Output } from '../../shared/proto-types/signps/v1/AttendRequest.js';
import type { Notice } from '../../shared/proto-types/signps/v1/Notice.js';
import { quietRefusal } from '../refusal.js';
import { leave, type ServiceDeps } from './deps.js';

export function attend(deps: ServiceDeps, call: grpc.ServerWritableStream<AttendRequest__Output, Notice>): void {
  const { membership, sessions } = deps;
  const { workerId } = call.request;
  const member = membership.get(workerId);
  if (!member) {
    call.emit('error', quietRefusal(new NotAMemberError(`worker ${workerId} has not joined; join first`)));
    return;
  }
  member.attending = true;
  sessions.set(workerId, call);
  const gone = () => {
    if (sessions.get(workerId) !== call) return;
    sessions.delete(workerId);
    leave(deps, workerId, 'its connection closed');
  };
  call.on('cancelled', gone);
  call.on('error', gone);
  call.on('close', gone);
}
