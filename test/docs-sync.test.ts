import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REDUCTIONS } from '../reductions/index.js';
import { generatedDocs } from '../src/cli/docs.js';
import { PROBLEMS } from '../src/problems/registry.js';
import { exampleCommand, reductionsDoc, reductionsTable, spliceTable, TABLE_END, TABLE_START } from '../src/reduction/docs.js';
import { registryDot, registryGraph } from '../src/reduction/graph.js';
import { expectOk, ROOT, seth } from './helpers/cli.js';

/** The generated documentation is what the registry says (run `npm run docs` after changing a reduction). */
describe('generated docs are in sync with the registry', () => {
  it('README table, docs/reductions.md and docs/reductions.svg equal what npm run docs writes', async () => {
    for (const f of await generatedDocs(ROOT)) {
      const committed = readFileSync(join(ROOT, f.path), 'utf8');
      expect(committed === f.text, `${f.path} differs from the registry: run npm run docs`).toBe(true);
    }
  });

  it('every registered reduction has a row, a section and its picture edge; a stale table is detected', () => {
    const table = reductionsTable(REDUCTIONS, PROBLEMS);
    const doc = reductionsDoc(REDUCTIONS, PROBLEMS, new Map());
    const dot = registryDot(registryGraph(PROBLEMS, REDUCTIONS));
    for (const r of REDUCTIONS) {
      expect(table).toContain(`[\`${r.id}\`]`);
      expect(doc).toContain(`## ${r.id}\n`);
      expect(dot).toContain(`"${r.source}" -> "${r.target}" [label="${r.id}\\n`);
    }
    const stale = spliceTable(`a\n${TABLE_START}\nold\n${TABLE_END}\nb\n`, reductionsTable(REDUCTIONS.slice(1), PROBLEMS));
    expect(stale).not.toContain(`[\`${REDUCTIONS[0]!.id}\`]`);
    expect(() => spliceTable('no markers', table)).toThrow(/markers are missing/);
  });

  it('the example command of every reduction runs', async () => {
    const results = await Promise.all(
      REDUCTIONS.filter((r) => r.source !== 'matmul-batch').map(async (r) => {
        const argv = exampleCommand(r).split(' ').slice(1);
        return [r.id, await seth(argv)] as const;
      }),
    );
    for (const [, res] of results) expectOk(expect, res);
  }, 120_000);
});

describe('seth graph', () => {
  it('renders SVG (Graphviz), DOT and JSON with every problem and reduction', async () => {
    const [svg, dot, json] = await Promise.all([seth(['graph']), seth(['graph', '--format', 'dot']), seth(['graph', '--format', 'json'])]);
    for (const r of [svg, dot, json]) expectOk(expect, r);
    expect(svg.stdout).toMatch(/^<\?xml[\s\S]*<svg[\s\S]*<\/svg>\s*$/);
    expect(svg.stdout).toContain('seth graph');
    const g = JSON.parse(json.stdout) as {
      nodes: { id: string }[];
      edges: { id: string; overhead: Record<string, string> }[];
      provenance: { command: string };
    };
    expect(g.nodes.map((n) => n.id).sort()).toEqual(PROBLEMS.map((p) => p.id).sort());
    expect(g.edges.map((e) => e.id)).toEqual(REDUCTIONS.map((r) => r.id));
    expect(g.provenance.command).toBe('seth graph --format json');
    for (const r of REDUCTIONS) {
      expect(svg.stdout).toContain(`>${r.id.replace(/-/g, '&#45;')}</text>`);
      expect(dot.stdout).toContain(r.id);
    }
  });
});
