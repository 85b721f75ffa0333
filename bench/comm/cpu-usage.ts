// How busy a cell's own processes keep the machine's cores: their user + system CPU time (/proc/<pid>/stat),
// sampled with the bench's clock, so the share of the cores they used over the measured rounds can tell a round
// limited by its links from one limited by these 2 cores. Kernel work done in softirq for other processes (the
// shaped links' queues) is not counted, so this is a lower bound.
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ; 100 on every Linux that Node supports). */
const TICKS_PER_SECOND = 100;

export interface CpuSample {
  /** CLOCK_MONOTONIC ms, the clock of the round-timing lines. */
  at: number;
  /** CPU ms the processes have used so far (those still alive). */
  cpuMs: number;
}

/** CPU ms `pid` has used (user + system), 0 once it is gone. */
export function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/**
 * Share of the machine's cores (0–1) the processes used between `from` and `to`, from the samples nearest inside
 * that window; undefined when fewer than two samples fall in it.
 */
export function coreShare(samples: CpuSample[], from: number, to: number, cores = cpus().length): number | undefined {
  const inside = samples.filter((s) => s.at >= from && s.at <= to);
  if (inside.length < 2) return undefined;
  const [first, last] = [inside[0], inside[inside.length - 1]];
  const wall = last.at - first.at;
  return wall > 0 ? (last.cpuMs - first.cpuMs) / (wall * cores) : undefined;
}
