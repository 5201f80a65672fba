import { describe, expect, it } from 'vitest';
import { renderSvg } from '../src/plot/render.js';

describe('renderSvg', () => {
  it('renders a Vega-Lite spec to SVG with one mark per datum', async () => {
    const svg = await renderSvg({
      data: {
        values: [
          { x: 1, y: 2 },
          { x: 2, y: 4 },
          { x: 3, y: 5 },
        ],
      },
      mark: 'point',
      encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/role="graphics-symbol"/g)?.length ?? 0).toBeGreaterThanOrEqual(3);
  });
});
