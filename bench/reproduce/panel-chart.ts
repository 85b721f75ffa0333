// The chart of the image figures (Chen Fig. 2 and 3): one panel per measured quantity side by side, each with its
// own y scale, one line per method against the iteration.
import type { TopLevelSpec } from 'vega-lite';

/**
 * Rows of `values`: { panel, method, round, value }. `methodOrder` fixes the legend's order, `panelOrder` the
 * panels' from left to right, when given.
 */
export function panelChart(title: string, values: object[], methodOrder?: string[], panelOrder?: string[]): TopLevelSpec {
  return {
    title,
    data: { values },
    facet: { column: { field: 'panel', type: 'nominal', title: null, ...(panelOrder ? { sort: panelOrder } : {}) } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 320,
      height: 220,
      mark: { type: 'line', point: { size: 10 } },
      encoding: {
        x: { field: 'round', type: 'quantitative', title: 'iteration' },
        y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
        color: { field: 'method', type: 'nominal', title: null, ...(methodOrder ? { sort: methodOrder } : {}), legend: { orient: 'bottom', columns: 2 } },
      },
    },
  } as TopLevelSpec;
}
