// Small helpers the figures share: per-round series from a run's metrics, thinned for drawing, and averages.
import type { RoundRecord } from '../../server/run-record.js';

export interface Point {
  round: number;
  value: number;
}

/** The evaluation metric `metric` at every round that has it (round counted from 1). */
export function metricSeries(rounds: RoundRecord[], metric: string, transform: (value: number) => number = (v) => v): Point[] {
  return rounds.flatMap((r) => (r.evaluation && metric in r.evaluation ? [{ round: r.round + 1, value: transform(r.evaluation[metric]) }] : []));
}

/** At most `limit` evenly spaced points (the first and last kept): a chart of 20,000 rounds stays light. */
export function thin<T>(points: T[], limit = 400): T[] {
  if (points.length <= limit) return points;
  const stride = (points.length - 1) / (limit - 1);
  return Array.from({ length: limit }, (_, i) => points[Math.round(i * stride)]);
}

/** The mean of the last `fraction` of the values. */
export function tailMean(values: number[], fraction = 0.2): number {
  const tail = values.slice(-Math.max(1, Math.round(values.length * fraction)));
  return tail.reduce((s, v) => s + v, 0) / tail.length;
}

export function average(values: number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

export const format = (x: number, digits = 3) => (Math.abs(x) >= 1000 ? x.toFixed(0) : x.toPrecision(digits));
