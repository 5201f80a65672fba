import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/version.js';

/**
 * The layers of docs/architecture.md as a fact: every relative import in src/, reductions/ and
 * bench/ must be allowed by the table between the `layers:begin` / `layers:end` markers, and the
 * layers must not import each other in a cycle.
 */

const ROOT = PROJECT_ROOT;
const SCANNED = ['src', 'reductions', 'bench'];

/** The table: layer → layers it may import. */
function readLayerTable(markdown: string): Map<string, Set<string>> {
  const begin = markdown.indexOf('<!-- layers:begin -->');
  const end = markdown.indexOf('<!-- layers:end -->');
  if (begin < 0 || end < begin) throw new Error('docs/architecture.md has no layers:begin/layers:end table');
  const table = new Map<string, Set<string>>();
  for (const line of markdown.slice(begin, end).split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 4 || !cells[1]!.startsWith('`')) continue;
    const names = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    table.set(names(cells[1]!)[0]!, new Set(names(cells[2]!)));
  }
  return table;
}

/** The layer a file (path relative to the root) belongs to: the longest row naming it or a folder above it. */
function layerOf(file: string, table: ReadonlyMap<string, unknown>): string | undefined {
  if (table.has(file)) return file;
  const folder = dirname(file);
  if (table.has(`${folder}/*.ts`)) return `${folder}/*.ts`;
  for (let d = folder; d !== '.' && d !== ''; d = dirname(d)) {
    if (table.has(d) && !(d === 'src' && folder !== 'src')) return d;
  }
  return undefined;
}

function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) {
        if (name !== 'node_modules' && name !== 'build') walk(p);
      } else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(relative(ROOT, p));
    }
  };
  for (const d of SCANNED) walk(join(ROOT, d));
  return out;
}

interface ImportEdge {
  file: string;
  target: string;
}

/** Relative imports of a source text: static, type-only, re-exports and dynamic import(). */
function importsOf(file: string, text: string): ImportEdge[] {
  const re = /(?:^|[\s;])(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;
  const out: ImportEdge[] = [];
  for (const m of text.matchAll(re)) {
    const spec = m[1] ?? m[2] ?? m[3]!;
    if (!spec.startsWith('.')) continue;
    const target = relative(ROOT, resolve(ROOT, dirname(file), spec)).replace(/\.js$/, '.ts');
    out.push({ file, target });
  }
  return out;
}

/** Layer-to-layer edges of the tree, each with one file that makes it. */
function layerGraph(table: ReadonlyMap<string, Set<string>>): { edges: Map<string, Map<string, string>>; unplaced: string[] } {
  const edges = new Map<string, Map<string, string>>();
  const unplaced: string[] = [];
  for (const file of sourceFiles()) {
    const from = layerOf(file, table);
    if (!from) {
      unplaced.push(file);
      continue;
    }
    for (const e of importsOf(file, readFileSync(join(ROOT, file), 'utf8'))) {
      const to = layerOf(e.target, table);
      if (!to) {
        unplaced.push(e.target);
        continue;
      }
      if (to === from) continue;
      const m = edges.get(from) ?? new Map<string, string>();
      if (!m.has(to)) m.set(to, `${file} imports ${e.target}`);
      edges.set(from, m);
    }
  }
  return { edges, unplaced };
}

/** A cycle in a directed graph, as a list of nodes, or undefined. */
function findCycle(graph: ReadonlyMap<string, Iterable<string>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (n: string): string[] | undefined => {
    if (state.get(n) === 'done') return undefined;
    if (state.get(n) === 'open') return [...path.slice(path.indexOf(n)), n];
    state.set(n, 'open');
    path.push(n);
    for (const next of graph.get(n) ?? []) {
      const c = visit(next);
      if (c) return c;
    }
    path.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of graph.keys()) {
    const c = visit(n);
    if (c) return c;
  }
  return undefined;
}

const table = readLayerTable(readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8'));

describe('layers (docs/architecture.md)', () => {
  it('the table itself has no cycle and names only layers it defines', () => {
    for (const [layer, allowed] of table) for (const a of allowed) expect(table.has(a), `${layer} lists unknown layer ${a}`).toBe(true);
    expect(findCycle(table)).toBeUndefined();
  });

  const { edges, unplaced } = layerGraph(table);

  it('every source file belongs to a layer (a new folder needs a row in the table)', () => {
    expect([...new Set(unplaced)]).toEqual([]);
  });

  it('every import is one the table allows', () => {
    const bad: string[] = [];
    for (const [from, tos] of edges) for (const [to, why] of tos) if (!table.get(from)!.has(to)) bad.push(`${from} → ${to} (${why})`);
    expect(bad).toEqual([]);
  });

  it('the imports between layers have no cycle', () => {
    const g = new Map([...edges].map(([k, v]) => [k, [...v.keys()]]));
    expect(findCycle(g)).toBeUndefined();
  });

  it('catches a back-import and a cycle (the checks are not vacuous)', () => {
    // src/problems importing the engine layer, as problems/registry.ts once did.
    const back = importsOf('src/problems/x.ts', "import type { Engine } from '../engine/types.js';");
    expect(back).toEqual([{ file: 'src/problems/x.ts', target: 'src/engine/types.ts' }]);
    expect(table.get(layerOf('src/problems/x.ts', table)!)!.has(layerOf(back[0]!.target, table)!)).toBe(false);
    expect(
      findCycle(
        new Map([
          ['a', ['b']],
          ['b', ['c']],
          ['c', ['a']],
        ]),
      ),
    ).toEqual(['a', 'b', 'c', 'a']);
    expect(layerOf('src/engine/native/addon.ts', table)).toBe('src/engine/native');
    expect(layerOf('src/errors.ts', table)).toBe('src/*.ts');
    expect(layerOf('src/new-folder/x.ts', table)).toBeUndefined();
  });
});
