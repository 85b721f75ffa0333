// A reproduced figure on disk: each chart as SVG and PNG (shared/chart-render.ts), the
// data behind them (data.json), and a Markdown page with the paper's description beside ours, the claims as
// measured, and every command that produced the runs.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { pngRenderer, renderSvg } from '../../shared/chart-render.js';
import type { Figure, FigureOutcome } from './figure.js';

export interface WrittenFigure {
  page: string;
  svgs: string[];
  pngs: string[];
  /** Why there is no PNG, when resvg is not usable here. */
  pngProblem?: string;
}

export async function writeFigure(figure: Figure, outcome: FigureOutcome, commands: string[], reproduceCommand: string, out: string): Promise<WrittenFigure> {
  const png = pngRenderer();
  const written: WrittenFigure = { page: join(out, 'page.md'), svgs: [], pngs: [], pngProblem: typeof png === 'string' ? png : undefined };
  for (const { name, spec } of outcome.charts) {
    const svg = await renderSvg({ ...spec, config: CHART_CONFIG } as TopLevelSpec);
    const svgPath = join(out, `${name}.svg`);
    writeFileSync(svgPath, svg);
    written.svgs.push(svgPath);
    if (typeof png !== 'string') {
      const pngPath = join(out, `${name}.png`);
      writeFileSync(pngPath, png(svg));
      written.pngs.push(pngPath);
    }
  }
  writeFileSync(join(out, 'data.json'), JSON.stringify({ figure: figure.name, claims: outcome.claims, ...outcome.data }, null, 1) + '\n');
  writeFileSync(written.page, page(figure, outcome, commands, reproduceCommand, written.pngs.length > 0 ? 'png' : 'svg'));
  return written;
}

const CHART_CONFIG = { font: 'DejaVu Sans', background: 'white', legend: { labelLimit: 0 } };

function page(figure: Figure, outcome: FigureOutcome, commands: string[], reproduceCommand: string, imageKind: 'png' | 'svg'): string {
  const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', '<br>');
  const agreed = outcome.claims.filter((c) => c.holds).length;
  return [
    `# ${figure.source}: ${figure.title}`,
    '',
    `Reproduced by \`${reproduceCommand}\` on ${new Date().toISOString().slice(0, 10)}. ` +
      `${agreed} of the ${outcome.claims.length} claims below hold here.`,
    '',
    ...outcome.charts.map(({ name }) => `![${name}](${name}.${imageKind})`),
    '',
    '| the paper | here |',
    '| --- | --- |',
    `| ${cell(figure.paperSays)} | ${cell(outcome.settings.join('\n'))} |`,
    '',
    '## The claims, measured',
    '',
    '| claim | measured | holds |',
    '| --- | --- | --- |',
    ...outcome.claims.map((c) => `| ${cell(c.claim)} | ${cell(c.measured)} | ${c.holds ? 'yes' : '**no**'} |`),
    '',
    '## Where this departs from the paper',
    '',
    ...(outcome.departures.length ? outcome.departures.map((d) => `- ${d}`) : ['- nowhere we know of']),
    '',
    '## The runs',
    '',
    'Each is a real `signps local` run (a server and its workers as separate processes over gRPC); its',
    'metrics.jsonl and summary.json are under runs/.',
    '',
    '```sh',
    ...commands,
    '```',
    '',
  ].join('\n');
}
