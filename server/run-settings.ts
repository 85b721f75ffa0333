// config.json: every resolved setting of a run, with the software that ran it, written when the run starts, so a
// result can always be traced to what produced it. It also names the run (runId), which tags its checkpoints.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomically } from '../shared/atomic-file.js';
import { ConfigError } from '../shared/errors.js';

const FILE = 'config.json';
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Software {
  signps: string;
  node: string;
  /** The git commit of this signps checkout, when it is one. */
  gitCommit: string | null;
}

export interface RunSettings {
  runId: string;
  startedAt: string;
  software: Software;
  /** Sections by who knows them: `run` (what the workers learn), `server`, `local` (attacks). */
  [section: string]: unknown;
  /** Each later start of the run with --resume: from which round, to how many. */
  resumes?: Array<{ at: string; round: number; rounds: number; software: Software }>;
}

export function newRunId(): string {
  return randomBytes(6).toString('hex');
}

export function software(): Software {
  const { version } = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
  return { signps: version, node: process.version, gitCommit: gitCommit() };
}

export function writeRunSettings(out: string, settings: RunSettings): void {
  writeFileAtomically(join(out, FILE), [Buffer.from(JSON.stringify(settings, null, 2) + '\n')]);
}

export function readRunSettings(out: string): RunSettings {
  const path = join(out, FILE);
  if (!existsSync(path)) {
    throw new ConfigError(`cannot resume: ${path} does not exist, so ${out} is not a signps run directory; check --out`);
  }
  try {
    const settings = JSON.parse(readFileSync(path, 'utf8')) as RunSettings;
    if (typeof settings.runId !== 'string') throw new Error('it names no runId');
    return settings;
  } catch (error) {
    throw new ConfigError(`cannot resume: ${path} is unreadable (${(error as Error).message}); check --out`);
  }
}

/** Adds one section to a run's config.json (`signps local` adds the attacks its workers run). */
export function addRunSettings(out: string, section: string, values: unknown): void {
  writeRunSettings(out, { ...readRunSettings(out), [section]: values });
}

function gitCommit(): string | null {
  if (!existsSync(join(PACKAGE_ROOT, '.git'))) return null;
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'ignore'], timeout: 5_000 }).toString().trim() || null;
  } catch {
    return null;
  }
}
