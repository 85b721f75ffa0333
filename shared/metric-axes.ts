// How an evaluation metric is shown on a chart axis: its name for people, its unit, and a domain that does not
// make a small change look large (accuracy on 0–100 %, other metrics from zero unless they go negative).
export interface MetricAxis {
  title: string;
  /** Multiplies the recorded value for display (fractions → percent). */
  factor: number;
  scale: { domain?: [number, number]; zero?: boolean };
}

const KNOWN: Record<string, Omit<MetricAxis, 'scale'> & { domain?: [number, number] }> = {
  testAccuracy: { title: 'test accuracy (%)', factor: 100, domain: [0, 100] },
  testLoss: { title: 'test loss', factor: 1 },
  meanLoss: { title: 'training loss (mean of workers)', factor: 1 },
  gradientNorm: { title: '|∇f|', factor: 1 },
  parameterNorm: { title: '|x|', factor: 1 },
  distanceToOptimum: { title: 'distance to the optimum', factor: 1 },
  distanceToOrigin: { title: 'distance to the origin', factor: 1 },
};

export function metricAxis(metric: string): MetricAxis {
  const known = KNOWN[metric];
  if (!known) return { title: metric, factor: 1, scale: { zero: true } };
  return { title: known.title, factor: known.factor, scale: known.domain ? { domain: known.domain } : { zero: true } };
}
