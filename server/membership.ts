// Who takes part: worker ids are never reused; each live worker owns one of the M data shards. A worker that
// leaves (its Attend stream broke, or it never opened one) frees its shard for the next worker to join, so a
// replacement trains the same data. Each membership has a secret (shared/membership-secret.ts) that every call
// after Join must carry: without it a worker id is refused, so nobody can act as another worker.
import type * as grpc from '@grpc/grpc-js';
import { carriesMembershipSecret, membershipSecret, newMembershipKey } from '../shared/membership-secret.js';
import { NotAMemberError, NotThisMemberError, RunFullError } from '../shared/protocol-errors.js';

export interface Member {
  workerId: number;
  shardIndex: number;
  name: string;
  /** Set once the worker's Attend stream is open. */
  attending: boolean;
  /** Never logged, never sent but in the Join reply. */
  secret: Buffer;
}

export class Membership {
  private nextWorkerId = 1;
  private readonly members = new Map<number, Member>();

  /**
   * `key` derives each worker's secret (shared/membership-secret.ts); a sharded run hands the same key to its shard
   * servers. `derivedMembers`: a shard server's book, where a worker joined at the primary becomes a member at its
   * first call that carries its derived secret.
   */
  constructor(
    private readonly shardCount: number,
    readonly key: Buffer = newMembershipKey(),
    private readonly derivedMembers = false,
  ) {}

  join(name: string): Member {
    // A retried join (the first reply was lost or late) gets the same membership (and secret), not a second one.
    const pending = [...this.members.values()].find((m) => m.name === name && !m.attending);
    if (pending) return pending;
    const taken = new Set([...this.members.values()].map((m) => m.shardIndex));
    let shardIndex = 0;
    while (taken.has(shardIndex)) shardIndex += 1;
    if (shardIndex >= this.shardCount) {
      throw new RunFullError(`the run already has its ${this.shardCount} workers; start the server with a larger --workers`);
    }
    const workerId = this.nextWorkerId++;
    const member = { workerId, shardIndex, name, attending: false, secret: membershipSecret(this.key, workerId) };
    this.members.set(member.workerId, member);
    return member;
  }

  /** The member this call speaks for; refuses an unknown id, and a known one without its secret. */
  verify(workerId: number, metadata: grpc.Metadata): Member {
    const member = this.members.get(workerId) ?? this.derivedMember(workerId, metadata);
    if (!member) throw new NotAMemberError(`worker ${workerId} has not joined; join first`);
    if (!carriesMembershipSecret(metadata, member.secret)) {
      throw new NotThisMemberError(`the call does not carry worker ${workerId}'s membership secret (from its Join reply); join first`);
    }
    return member;
  }

  /** On a shard server: the member a call with a valid derived secret speaks for (the primary admitted it). */
  private derivedMember(workerId: number, metadata: grpc.Metadata): Member | undefined {
    if (!this.derivedMembers || workerId < 1) return undefined;
    const secret = membershipSecret(this.key, workerId);
    if (!carriesMembershipSecret(metadata, secret)) return undefined;
    const member = { workerId, shardIndex: -1, name: `worker ${workerId}`, attending: false, secret };
    this.members.set(workerId, member);
    return member;
  }

  leave(workerId: number): Member | undefined {
    const member = this.members.get(workerId);
    this.members.delete(workerId);
    return member;
  }

  get(workerId: number): Member | undefined {
    return this.members.get(workerId);
  }

  all(): Member[] {
    return [...this.members.values()];
  }

  get size(): number {
    return this.members.size;
  }
}
