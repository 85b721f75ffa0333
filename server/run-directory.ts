// A run directory holds one run and only one: a new run refuses a directory that already holds files (they are
// another run's, and mixing them lost checkpoints and resumed the wrong run), unless the user says --resume
// (continue the run that is there) or --overwrite (replace it: its files are deleted first).
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../shared/errors.js';
import { holdsCheckpoints, removeCheckpoints } from './checkpoint.js';

export interface RunDirectoryIntent {
  resume: boolean;
  overwrite: boolean;
}

/** Where a run writes when no --out is given: runs/<start time>-<method>, under the working directory. */
export function defaultRunDirectory(method: string, now = new Date()): string {
  return join('runs', `${now.toISOString().replace(/[:.]/g, '-')}-${method}`);
}

/** Why a run may not start in `out` (and `checkpointDir`) with these flags, or undefined if it may. */
export function runDirectoryProblem(out: string, checkpointDir: string, { resume, overwrite }: RunDirectoryIntent): string | undefined {
  if (resume && overwrite) return '--resume continues the run in --out and --overwrite replaces it: give one of them';
  if (resume || overwrite) return undefined;
  const present = existsSync(out) ? readdirSync(out) : [];
  if (present.length > 0) {
    const listed = present.slice(0, 4).join(', ') + (present.length > 4 ? ', …' : '');
    return `--out ${out} already holds a run (${listed}); continue it with --resume, replace it with --overwrite, or choose another --out`;
  }
  if (holdsCheckpoints(checkpointDir)) {
    return `--checkpoint-dir ${checkpointDir} already holds another run's checkpoints; continue that run with --resume, replace it with --overwrite, or choose another directory`;
  }
  return undefined;
}

/** Refuses a directory this run may not use; with --overwrite, first deletes the previous run's files. */
export function claimRunDirectory(out: string, checkpointDir: string, intent: RunDirectoryIntent): void {
  const problem = runDirectoryProblem(out, checkpointDir, intent);
  if (problem) throw new ConfigError(problem);
  if (!intent.overwrite || !existsSync(out)) return;
  // Only what signps writes: a mistyped --out next to other files never loses them.
  for (const name of readdirSync(out)) {
    if (RUN_FILES.has(name) || /^(worker|server)-\d+\.log$/.test(name)) rmSync(join(out, name), { force: true });
  }
  rmSync(join(out, WORKER_STATE_DIRECTORY), { recursive: true, force: true });
  removeCheckpoints(checkpointDir);
}

/** Under a run directory, where `signps local` keeps its workers' --state-dir. */
export const WORKER_STATE_DIRECTORY = 'state';

const RUN_FILES = new Set(['metrics.jsonl', 'summary.json', 'training.svg', 'config.json', 'server.log']);
