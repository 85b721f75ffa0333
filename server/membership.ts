// Who has joined: worker ids are never reused; each worker owns one data shard of the M.
import { ProtocolError } from '../shared/errors.js';

export interface Member {
  workerId: number;
  shardIndex: number;
  name: string;
}

export class RunFullError extends ProtocolError {}

export class Membership {
  private nextWorkerId = 1;
  private readonly members = new Map<number, Member>();

  constructor(private readonly shardCount: number) {}

  join(name: string): Member {
    const taken = new Set([...this.members.values()].map((m) => m.shardIndex));
    let shardIndex = 0;
    while (taken.has(shardIndex)) shardIndex += 1;
    if (shardIndex >= this.shardCount) {
      throw new RunFullError(`the run already has its ${this.shardCount} workers; start the server with a larger --workers`);
    }
    const member = { workerId: this.nextWorkerId++, shardIndex, name };
    this.members.set(member.workerId, member);
    return member;
  }

  get(workerId: number): Member | undefined {
    return this.members.get(workerId);
  }

  get size(): number {
    return this.members.size;
  }
}
