import { instance } from '@viz-js/viz';

/**
 * DOT → SVG with Graphviz compiled to WebAssembly (@viz-js/viz; layout by `dot`). The same input
 * and library version give the same bytes, so generated pictures can be committed and checked.
 */
export async function renderDotSvg(dot: string): Promise<string> {
  const viz = await instance();
  return viz.renderString(dot, { format: 'svg', engine: 'dot' });
}

/** A provenance line as an XML comment after the prolog (the SVG itself is Graphviz's). */
export function withSvgComment(svg: string, line: string): string {
  const comment = `<!-- ${line.replace(/--/g, '- -')} -->\n`;
  const at = svg.indexOf('<svg');
  return at < 0 ? comment + svg : svg.slice(0, at) + comment + svg.slice(at);
}
