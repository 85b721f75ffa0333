// What one reproducible figure is: its name for `signps reproduce NAME`, the paper's description of it, and a
// `reproduce` that trains over the real system (server and worker processes) and returns the chart specs, the
// data behind them and the paper's claims checked against that data. One file per figure beside this one.
import type { TopLevelSpec } from 'vega-lite';
import type { TrainingRuns } from './training-runs.js';

export interface ReproduceSettings {
  /** A reduced run (minutes here, and what the tests run) instead of the paper's settings as far as they fit. */
  quick: boolean;
  /** Where a data set that is not embedded lives (`--data-dir`). */
  dataDir?: string;
  /** Safaryan Fig. 2/3: the communication budget in MB (uplink payload, all workers together). */
  budgetMb?: number;
}

/** One of the paper's statements, as measured here. */
export interface Claim {
  claim: string;
  measured: string;
  holds: boolean;
}

export interface FigureOutcome {
  /** Each becomes NAME.svg and NAME.png. */
  charts: Array<{ name: string; spec: TopLevelSpec }>;
  /** Written as data.json: the series the charts draw, so a test or a person can check the claims. */
  data: Record<string, unknown>;
  /** What was run, one line each (the commands themselves are listed from the runs). */
  settings: string[];
  /** Where this run departs from the paper, and why. */
  departures: string[];
  claims: Claim[];
}

export interface Figure {
  name: string;
  /** Paper and figure, e.g. "Chen et al. 2020, Fig. 1". */
  source: string;
  title: string;
  /** The paper's own description of the figure and its conclusion, paraphrased with short quotes. */
  paperSays: string;
  /** Refuses settings the figure cannot run with (a missing data set) before any training starts. */
  check?: (settings: ReproduceSettings) => void;
  reproduce(settings: ReproduceSettings, runs: TrainingRuns): Promise<FigureOutcome>;
}
