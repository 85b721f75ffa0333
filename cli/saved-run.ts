// A finished run read back from its directory (`--out`): the rounds from metrics.jsonl, and the settings it ran
// with from config.json where the run wrote one, else from the fields summary.json keeps.
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { DataError } from '../shared/errors.js';

export interface SavedRound {
  round: number;
  elapsedMs: number;
  meanLoss: number;
  uplinkBytes: number;
  downlinkBytes: number;
  evaluation?: Record<string, number>;
}

export interface SavedRun {
  directory: string;
  name: string;
  /** Flat setting → value, for labelling the run among others. */
  settings: Record<string, string>;
  rounds: SavedRound[];
}

const SUMMARY_SETTINGS = ['method', 'problem', 'workers', 'rounds'] as const;

export function readSavedRun(directory: string): SavedRun {
  const metricsPath = join(directory, 'metrics.jsonl');
  if (!existsSync(metricsPath)) {
    throw new DataError(`${directory} is not a run directory: it has no metrics.jsonl (written by \`signps local/server --out DIR\`)`);
  }
  const rounds = readFileSync(metricsPath, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index) => parseRound(line, `${metricsPath}:${index + 1}`));
  if (rounds.length === 0) throw new DataError(`${metricsPath} holds no rounds yet; plot a run once it has closed a round`);
  return { directory, name: basename(resolve(directory)), settings: readSettings(directory), rounds };
}

function parseRound(line: string, where: string): SavedRound {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new DataError(`${where} is not a JSON line; is the file truncated?`);
  }
  const round = value as SavedRound;
  if (typeof round?.round !== 'number' || typeof round.meanLoss !== 'number' || typeof round.uplinkBytes !== 'number') {
    throw new DataError(`${where} is not a round record (round, meanLoss, uplinkBytes, ...)`);
  }
  return round;
}

/** Where a run's files went and when: they differ between any two runs and say nothing about the training. */
const BOOKKEEPING = new Set(['checkpointDir', 'host', 'port', 'dataDir']);

function readSettings(directory: string): Record<string, string> {
  const config = readJson(join(directory, 'config.json'));
  if (config) return trainingSettings(config);
  const summary = readJson(join(directory, 'summary.json')) ?? {};
  return Object.fromEntries(SUMMARY_SETTINGS.filter((key) => summary[key] !== undefined).map((key) => [key, String(summary[key])]));
}

function readJson(path: string): Record<string, unknown> | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    throw new DataError(`${path} is not valid JSON; is the file truncated?`);
  }
}

/**
 * config.json's sections that shape the training (`run`, then `server` and `local` where a name is not taken),
 * flat and without their section's prefix; the run id, start time, software and resumes are left out.
 */
function trainingSettings(config: Record<string, unknown>): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const section of ['run', 'server', 'local']) {
    const values = config[section];
    if (values === null || typeof values !== 'object' || Array.isArray(values)) continue;
    for (const [key, value] of Object.entries(flatten(values as Record<string, unknown>))) {
      if (!BOOKKEEPING.has(key) && !(key in settings)) settings[key] = value;
    }
  }
  return settings;
}

/** Nested objects become dotted keys ("method.lr"); arrays and scalars become text. */
function flatten(value: Record<string, unknown>, prefix = ''): Record<string, string> {
  return Object.fromEntries(
    Object.entries(value).flatMap(([key, inner]) =>
      inner !== null && typeof inner === 'object' && !Array.isArray(inner)
        ? Object.entries(flatten(inner as Record<string, unknown>, `${prefix}${key}.`))
        : inner === undefined ? [] : [[`${prefix}${key}`, typeof inner === 'string' ? inner : JSON.stringify(inner)]],
    ),
  );
}

/**
 * A short label per run: the settings that differ between the runs ("method=sgd workers=5"); the method alone
 * when none differ; the directory's name added where two labels would still be the same.
 */
export function runLabels(runs: SavedRun[]): string[] {
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.settings)))];
  const differs = (key: string) => new Set(runs.map((r) => r.settings[key])).size > 1;
  // A different method implies a different pipeline: its stages are what the method's name already says.
  const differing = keys.filter((key) => differs(key) && !(key.startsWith('pipeline.') && differs('method')));
  const shown = differing.length > 0 ? differing : keys.filter((key) => key === 'method' || key.endsWith('.method')).slice(0, 1);
  const labels = runs.map((r) => shown.map((key) => `${key}=${r.settings[key] ?? '–'}`).join(' ') || r.name);
  return labels.map((label, i) => (labels.indexOf(label) !== labels.lastIndexOf(label) ? `${label} (${runs[i].name})` : label));
}
