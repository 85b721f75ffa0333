// The few lines a person reads at the end of `signps local`.
import type { RunSummary } from '../server/progress-reporter.js';

export function formatSummary(summary: RunSummary, wallSeconds: number, outDir: string): string {
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;
  const ratio = (payload: number, f32: number) => (payload > 0 ? `${(f32 / payload).toFixed(1)}× less` : '');
  const rows: Array<[string, string]> = [
    ['Method', `${summary.method}, ${summary.workers} workers, ${summary.rounds} rounds`],
    ['Model', `${summary.problem} (${summary.parameterCount.toLocaleString('en')} parameters)`],
    summary.evaluation.testAccuracy === undefined
      ? ['Result', summary.headline]
      : ['Test accuracy', `${(100 * summary.evaluation.testAccuracy).toFixed(2)}%`],
    ['Wall time', `${wallSeconds.toFixed(1)} s (training ${summary.trainingSeconds.toFixed(1)} s, median round ${summary.medianRoundMs.toFixed(1)} ms)`],
    ['Sent up', `${mb(summary.uplinkPayloadBytes)} (float32 gradients: ${mb(summary.uplinkFloat32Bytes)}, ${ratio(summary.uplinkPayloadBytes, summary.uplinkFloat32Bytes)})`],
    ['Sent down', `${mb(summary.downlinkPayloadBytes)} (float32 updates: ${mb(summary.downlinkFloat32Bytes)}, ${ratio(summary.downlinkPayloadBytes, summary.downlinkFloat32Bytes)})`],
    ...(summary.servers
      ? [['Servers', `${summary.servers.length}, up/down each: ${summary.servers.map((s) => `${mb(s.uplinkPayloadBytes)}/${mb(s.downlinkPayloadBytes)}`).join(', ')}`] as [string, string]]
      : []),
    ['Results', `${outDir} (training.svg: curves; metrics.jsonl: every round; summary.json)`],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
}
