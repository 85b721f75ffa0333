// Who takes part: worker ids are never reused; each live worker owns one of the M data shards. A worker that
// leaves (its Attend stream broke, or it never opened one) frees its shard for the next worker to join, so a
// replacement trains the same data.
import { RunFullError } from '../shared/protocol-errors.js';

export interface Member {
  workerId: number;
  shardIndex: number;
  name: string;
  /** Set once the worker's Attend stream is open. */
  attending: boolean;
}

export class Membership {
  private nextWorkerId = 1;
  private readonly members = new Map<number, Member>();

  constructor(private readonly shardCount: number) {}

  join(name: string): Member {
    // A retried join (the first reply was lost or late) gets the same membership, not a second one.
    const pending = [...this.members.values()].find((m) => m.name === name && !m.attending);
    if (pending) return pending;
    const taken = new Set([...this.members.values()].map((m) => m.shardIndex));
    let shardIndex = 0;
    while (taken.has(shardIndex)) shardIndex += 1;
    if (shardIndex >= this.shardCount) {
      throw new RunFullError(`the run already has its ${this.shardCount} workers; start the server with a larger --workers`);
    }
    const member = { workerId: this.nextWorkerId++, shardIndex, name, attending: false };
    this.members.set(member.workerId, member);
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
