// Every figure `signps reproduce` can draw, in the order `--list` shows them.
import type { Figure } from './figure.js';
import { chenFig1 } from './chen-fig1.js';
import { chenFig2 } from './chen-fig2.js';
import { chenFig3 } from './chen-fig3.js';
import { byzantineGrid, heterogeneityGrid } from './result-grids.js';
import { safaryanFig23 } from './safaryan-fig23.js';
import { safaryanCounterexample } from './safaryan-counterexample.js';
import { safaryanFig4 } from './safaryan-fig4.js';

export const FIGURES: readonly Figure[] = [
  chenFig1,
  chenFig2,
  chenFig3,
  safaryanFig23,
  safaryanFig4,
  safaryanCounterexample,
  heterogeneityGrid,
  byzantineGrid,
];

export function findFigure(name: string): Figure | undefined {
  return FIGURES.find((f) => f.name === name);
}
