import type { AnyProblemSpec } from '../problems/registry.js';
import type { AnyReduction } from './types.js';

/**
 * The registry as a graph: problems are nodes, reductions are edges labelled with their declared
 * overhead. Pure data and DOT text here; `seth graph` renders the SVG (Graphviz compiled to
 * WebAssembly, @viz-js/viz) and `npm run docs` commits it for the README.
 */
export interface RegistryGraph {
  nodes: { id: string; title: string; decision: boolean }[];
  edges: { id: string; source: string; target: string; title: string; overhead: Record<string, string>; variant?: string }[];
}

export function registryGraph(problems: readonly AnyProblemSpec[], reductions: readonly AnyReduction[]): RegistryGraph {
  return {
    nodes: problems.map((p) => ({ id: p.id, title: p.title, decision: p.decision })),
    edges: reductions.map((r) => ({
      id: r.id,
      source: r.source,
      target: r.target,
      title: r.title,
      overhead: { ...r.overhead },
      ...(r.variant !== undefined ? { variant: r.variant } : {}),
    })),
  };
}

/** A DOT string literal: backslashes and quotes escaped, line breaks as DOT's centred \\n. */
const quote = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

/**
 * DOT: decision problems as boxes, computations (models) as ellipses; each edge carries the
 * reduction id and its overhead, one size per line; variant reductions are dashed.
 */
export function registryDot(g: RegistryGraph, header: readonly string[] = []): string {
  const lines = [
    ...header.map((h) => `// ${h}`),
    'digraph reductions {',
    '  rankdir=LR;',
    '  node [fontname="Helvetica", fontsize=12];',
    '  edge [fontname="Helvetica", fontsize=9];',
  ];
  for (const n of g.nodes) {
    lines.push(
      `  ${quote(n.id)} [label=${quote(`${n.id}\n${n.title}`)}, shape=${n.decision ? 'box' : 'ellipse'}, style=${n.decision ? '"rounded"' : '"filled"'}, fillcolor="#eef3fb"];`,
    );
  }
  for (const e of g.edges) {
    const label = [e.id, ...Object.entries(e.overhead).map(([k, f]) => `${k} = ${f}`)].join('\n');
    lines.push(`  ${quote(e.source)} -> ${quote(e.target)} [label=${quote(label)}${e.variant ? ', style=dashed' : ''}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
