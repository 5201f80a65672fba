import { z } from 'zod';
import { isStdio, writeOutputAtomic } from '../../io/files.js';
import { renderDotSvg, withSvgComment } from '../../plot/graphviz.js';
import { PROBLEMS } from '../../problems/registry.js';
import { makeProvenance } from '../../provenance.js';
import { registryDot, registryGraph } from '../../reduction/graph.js';
import { cliArg, defineCommand, print } from '../command.js';

/**
 * `seth graph [--format svg|dot|json] [-o FILE]`: the registry as a picture — problems as nodes,
 * reductions as edges labelled with their declared overhead (dashed: variants such as causal).
 */
export const graphCommand = defineCommand({
  command: 'graph',
  describe: 'draw the registry: problems as nodes, reductions as edges labelled with their overhead',
  args: z.object({
    o: cliArg(z.string().default('-'), 'output file (- for stdout)', { alias: 'output' }),
    format: cliArg(z.enum(['svg', 'dot', 'json']).default('svg'), 'SVG (Graphviz layout), DOT source, or JSON'),
  }),
  usesRegistries: true,
  async run(a, ctx): Promise<number> {
    const { format, o: out } = a;
    const g = registryGraph(PROBLEMS, ctx.reductions);
    const prov = makeProvenance('graph', null, { format, problems: g.nodes.length, reductions: g.edges.length });
    const header = [`${prov.tool} ${prov.version}: ${prov.command}`];
    let text: string;
    if (format === 'json') text = `${JSON.stringify({ ...g, provenance: prov }, null, 1)}\n`;
    else if (format === 'dot') text = registryDot(g, header);
    else text = withSvgComment(await renderDotSvg(registryDot(g)), header[0]!);
    if (isStdio(out)) print(text.trimEnd());
    else writeOutputAtomic(out, text);
    return 0;
  },
});
