/**
 * One way to draw a figure: a Vega-Lite spec compiled by vega-lite and rendered to SVG by vega's
 * headless view (no DOM, no network). Every plot the workbench writes (arena, reports, bench) goes
 * through here, so styling and provenance live in one place.
 */
import type { TopLevelSpec } from 'vega-lite';

export type PlotSpec = TopLevelSpec;

/** Render a Vega-Lite spec to a standalone SVG document. Loaded lazily: plotting is rare. */
export async function renderSvg(spec: PlotSpec): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vegaLite.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
