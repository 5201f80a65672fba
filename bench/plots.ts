/** The bench's figures: Vega-Lite specs rendered by src/plot/render.ts. */
import { renderSvg, type PlotSpec } from '../src/plot/render.js';
import type { Fit } from './fits.js';

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A log-log scatter of the points with the fitted line and the fitted exponent in the title. */
export function fitSpec(fit: Fit, title: string, xLabel: string): PlotSpec {
  const xs = fit.points.map((p) => p.x);
  const line = [Math.min(...xs), Math.max(...xs)].map((x) => ({ x, ms: Math.exp(fit.intercept + fit.slope * Math.log(x)) }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: title,
      subtitle: `fitted exponent ${fit.slope.toFixed(3)} ± ${fit.slopeStdErr.toFixed(3)} (expected ${fit.expected} ± ${fit.tolerance}: ${fit.verdict})`,
    },
    width: 460,
    height: 300,
    background: 'white',
    layer: [
      {
        data: { values: line },
        mark: { type: 'line', color: '#c33', strokeWidth: 2 },
        encoding: {
          x: { field: 'x', type: 'quantitative', scale: { type: 'log', base: 2 }, title: `${xLabel} (log scale)` },
          y: { field: 'ms', type: 'quantitative', scale: { type: 'log', base: 2 }, title: 'time of evaluate, ms (log scale)' },
        },
      },
      {
        data: { values: fit.points.map((p) => ({ x: p.x, ms: p.ms })) },
        mark: { type: 'point', filled: true, size: 60, color: '#236' },
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'ms', type: 'quantitative' } },
      },
    ],
  };
}

/** The SVG of a spec, recording what made it (tool, version, command, seed) like every file the workbench writes. */
export async function plotWithProvenance(spec: PlotSpec, provenance: Record<string, unknown>): Promise<string> {
  const svg = await renderSvg(spec);
  const desc = `<desc>${escapeXml(JSON.stringify(provenance))}</desc>`;
  const open = svg.indexOf('>', svg.indexOf('<svg'));
  return (open < 0 ? svg : svg.slice(0, open + 1) + desc + svg.slice(open + 1)).trimEnd() + '\n';
}
