// How busy a cell's own processes keep the machine's cores: their user + system CPU time (/proc/<pid>/stat),
// and the whole machine's (/proc/stat: other sessions' work too), sampled with the bench's clock, so the measured
// rounds can tell a round limited by its links from one limited by these 2 cores. Kernel work done in softirq
// outside the processes (the shaped links' queues) is not in theirs, so their share is a lower bound.
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ; 100 on every Linux that Node supports). */
const TICKS_PER_SECOND = 100;

export interface CpuSample {
  /** CLOCK_MONOTONIC ms, the clock of the round-timing lines. */
  at: number;
  /** CPU ms the processes have used so far (those still alive). */
  cpuMs: number;
  /** CPU ms every core of the machine has spent not idle so far, whoever ran. */
  machineBusyMs: number;
}

export interface CoreUse {
  /** Share of the machine's cores (0–1) the cell's processes used. */
  ours: number;
  /** Share of the machine's cores (0–1) busy with anything: near 1, a round waits for a core. */
  machine: number;
  /** CPU ms the cell's processes used per ms of wall time (× round ms: CPU ms per round). */
  oursPerMs: number;
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

/** CPU ms the machine's cores have spent on anything but idle and I/O wait (/proc/stat, USER_HZ ticks), 0 off Linux. */
export function machineBusyMs(): number {
  try {
    const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already in user)
    const busy = ticks.slice(0, 8).reduce((a, b) => a + b, 0) - ticks[3] - ticks[4];
    return (busy * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/**
 * How the cores were used between `from` and `to`, from the first and last samples inside that window;
 * undefined when fewer than two samples fall in it.
 */
export function coreUse(samples: CpuSample[], from: number, to: number, cores = cpus().length): CoreUse | undefined {
  const inside = samples.filter((s) => s.at >= from && s.at <= to);
  if (inside.length < 2) return undefined;
  const [first, last] = [inside[0], inside[inside.length - 1]];
  const wall = last.at - first.at;
  if (!(wall > 0)) return undefined;
  const oursPerMs = (last.cpuMs - first.cpuMs) / wall;
  return { ours: oursPerMs / cores, machine: (last.machineBusyMs - first.machineBusyMs) / (wall * cores), oursPerMs };
}
