// The --partition flag: how the training set is divided among the workers and how their batches are drawn.
// Parsed once into a tagged union, so every consumer switches over the same four cases.

import { ConfigError } from '../../shared/errors.js';

export type PartitionSpec =
  | { kind: 'iid' }
  | { kind: 'label-skew'; classesPerWorker: number }
  | { kind: 'dirichlet'; alpha: number }
  | { kind: 'split-halves' };

export const PARTITION_HELP =
  'iid (a seeded shuffle cut into equal shards; the default) | ' +
  'label-skew:K (each worker holds the data of exactly K classes: worker i gets classes iK … iK+K−1 mod C, a class ' +
  'shared by several workers is split evenly between them; needs M·K ≥ C so no class is left out; ' +
  "Chen et al.'s \"one or two of ten classes\" is label-skew:1 with 10 workers or label-skew:2 with 5) | " +
  'dirichlet:ALPHA (per class, worker shares drawn from Dirichlet(ALPHA); 0.1 very skewed, 100 near iid) | ' +
  "split-halves (iid shards, but every batch comes entirely from classes 0–4 or entirely from 5–9, a seeded coin per batch: Safaryan & Richtárik's split batches)";

export function parsePartitionSpec(spec: string): PartitionSpec {
  const text = spec.trim();
  if (text === 'iid') return { kind: 'iid' };
  if (text === 'split-halves') return { kind: 'split-halves' };
  const skew = /^label-skew:(\d+)$/.exec(text);
  if (skew) {
    const classesPerWorker = Number(skew[1]);
    if (classesPerWorker >= 1) return { kind: 'label-skew', classesPerWorker };
    throw new ConfigError(`partition '${spec}': K in label-skew:K must be a whole number ≥ 1, e.g. label-skew:2`);
  }
  const dirichlet = /^dirichlet:([0-9]*\.?[0-9]+(?:e[-+]?[0-9]+)?)$/i.exec(text);
  if (dirichlet) {
    const alpha = Number(dirichlet[1]);
    if (Number.isFinite(alpha) && alpha > 0) return { kind: 'dirichlet', alpha };
    throw new ConfigError(`partition '${spec}': ALPHA in dirichlet:ALPHA must be a number > 0, e.g. dirichlet:0.1`);
  }
  throw new ConfigError(`unknown partition '${spec}'; valid forms: ${PARTITION_HELP}`);
}

export function formatPartitionSpec(spec: PartitionSpec): string {
  switch (spec.kind) {
    case 'iid':
    case 'split-halves':
      return spec.kind;
    case 'label-skew':
      return `label-skew:${spec.classesPerWorker}`;
    case 'dirichlet':
      return `dirichlet:${spec.alpha}`;
    default: {
      const unreachable: never = spec;
      return String(unreachable);
    }
  }
}
