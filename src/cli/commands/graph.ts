import type { Argv } from 'yargs';
import { REDUCTIONS } from '../../../reductions/index.js';
import { UserError } from '../../errors.js';
import { isStdio, writeOutputAtomic } from '../../io/files.js';
import { renderDotSvg, withSvgComment } from '../../plot/graphviz.js';
import { PROBLEMS } from '../../problems/registry.js';
import { makeProvenance } from '../../provenance.js';
import { registryDot, registryGraph } from '../../reduction/graph.js';
import { print, type Args, type CliCommand } from '../command.js';
import { withOutput } from '../options.js';

/**
 * `seth graph [--format svg|dot|json] [-o FILE]`: the registry as a picture — problems as nodes,
 * reductions as edges labelled with their declared overhead (dashed: variants such as causal).
 */
export const graphCommand: CliCommand = {
  command: 'graph',
  describe: 'draw the registry: problems as nodes, reductions as edges labelled with their overhead',
  builder: (y: Argv): Argv =>
    withOutput(y).option('format', { type: 'string', choices: ['svg', 'dot', 'json'], default: 'svg', describe: 'SVG (Graphviz layout), DOT source, or JSON' }),
  async run(args: Args): Promise<number> {
    const format = String(args.format);
    const out = typeof args.output === 'string' ? args.output : '-';
    const g = registryGraph(PROBLEMS, REDUCTIONS);
    const prov = makeProvenance('graph', null, { format, problems: g.nodes.length, reductions: g.edges.length });
    const header = [`${prov.tool} ${prov.version}: ${prov.command}`];
    let text: string;
    if (format === 'json') text = `${JSON.stringify({ ...g, provenance: prov }, null, 1)}\n`;
    else if (format === 'dot') text = registryDot(g, header);
    else if (format === 'svg') text = withSvgComment(await renderDotSvg(registryDot(g)), header[0]!);
    else throw new UserError(`option --format: expected svg, dot or json, got ${format}`);
    if (isStdio(out)) print(text.trimEnd());
    else writeOutputAtomic(out, text);
    return 0;
  },
};
