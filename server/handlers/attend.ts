// Attend: a worker's presence. The stream stays open while the worker lives; when it breaks the worker has left,
// and the server uses it to tell the worker to stop. Only the worker itself (its membership secret) may hold it:
// anyone else's Attend would hide the worker's death while held and evict it when cancelled.
import type * as grpc from '@grpc/grpc-js';
import type { AttendRequest__Output } from '../../shared/proto-types/signps/v1/AttendRequest.js';
import type { Notice } from '../../shared/proto-types/signps/v1/Notice.js';
import type { Member } from '../membership.js';
import { refusal } from '../refusal.js';
import { leave, type ServiceDeps } from './deps.js';

export function attend(deps: ServiceDeps, call: grpc.ServerWritableStream<AttendRequest__Output, Notice>): void {
  const { membership, sessions, refusals, log } = deps;
  const { workerId } = call.request;
  let member: Member;
  try {
    member = membership.verify(workerId, call.metadata);
  } catch (error) {
    call.emit('error', refusal(error, refusals, log, workerId));
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
