// Vega-Lite specs drawn headless: to SVG by Vega (no browser, no canvas), and to PNG by resvg where its prebuilt
// binary is installed (@resvg/resvg-js ships it inside an npm package; nothing is downloaded). Vega is loaded
// on first use: imported up front it adds ~8 MB to the server's heap, and every garbage collection marks it again.
import { createRequire } from 'node:module';
import type * as vegaLite from 'vega-lite';

export async function renderSvg(spec: vegaLite.TopLevelSpec): Promise<string> {
  const [vega, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  return view.toSVG();
}

export type PngRenderer = (svg: string) => Buffer;

/** A PNG renderer when @resvg/resvg-js and its binary for this platform are installed, else why not. */
export function pngRenderer(): PngRenderer | string {
  try {
    const require = createRequire(import.meta.url);
    const { Resvg } = require('@resvg/resvg-js') as {
      Resvg: new (svg: string, options: object) => { render(): { asPng(): Buffer } };
    };
    const options = {
      background: 'white',
      fitTo: { mode: 'zoom', value: 2 },
      font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
    };
    return (svg) => new Resvg(svg, options).render().asPng();
  } catch (error) {
    return `no PNG: @resvg/resvg-js is not usable here (${(error as Error).message.split('\n')[0]}); SVG only`;
  }
}
