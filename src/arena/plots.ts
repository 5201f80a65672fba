import { renderSvg, type PlotSpec } from '../plot/render.js';
import type { RunRecord } from './run.js';
import type { SelectorRow } from './selector.js';
import type { ThresholdPoint } from './threshold.js';

/**
 * The arena's figures, as Vega-Lite specs rendered by src/plot/render.ts. Each SVG carries the
 * run's provenance (tool, version, command, seed) in a <desc> element.
 */
const family = (label: string): string => label.split(':')[0]!;

const VEGA_LITE = 'https://vega.github.io/schema/vega-lite/v5.json';

type Layers = Extract<PlotSpec, { layer: unknown }>['layer'];

/** The frame the scatter plots share: one 520×320 chart of `values`, drawn by `layer`. */
function scatter(title: string, values: readonly Record<string, unknown>[], layer: Layers): PlotSpec {
  return { $schema: VEGA_LITE, title, width: 520, height: 320, data: { values: [...values] }, layer };
}

/** Accuracy against cost: per engine and answer, the fraction decided right against the median cost ratio. */
export function accuracyCostSpec(records: readonly RunRecord[], title: string): PlotSpec {
  const groups = new Map<string, { engine: string; known: string; right: number; total: number; ratios: number[] }>();
  for (const r of records) {
    if (!r.known) continue;
    const key = `${r.engine}|${r.known}`;
    const g = groups.get(key) ?? { engine: r.engine, known: r.known, right: 0, total: 0, ratios: [] };
    g.total++;
    if (r.correct) g.right++;
    if (r.costRatio !== null) g.ratios.push(r.costRatio);
    groups.set(key, g);
  }
  const values = [...groups.values()]
    .filter((g) => g.ratios.length > 0)
    .map((g) => {
      const s = [...g.ratios].sort((a, b) => a - b);
      return { engine: g.engine, family: family(g.engine), answer: g.known, accuracy: g.right / g.total, cost: s[s.length >> 1]!, runs: g.total };
    });
  return scatter(title, values, [
    { mark: { type: 'rule', strokeDash: [4, 4], color: '#888' }, encoding: { x: { datum: 1 } } },
    {
      mark: { type: 'point', filled: true, size: 90, opacity: 0.85 },
      encoding: {
        x: { field: 'cost', type: 'quantitative', scale: { type: 'log' }, title: 'median counted flops / exact attention flops (log; dashed: exact = 1)' },
        y: { field: 'accuracy', type: 'quantitative', scale: { domain: [0, 1] }, title: 'fraction of instances decided right (refusals count as wrong)' },
        color: { field: 'engine', type: 'nominal', scale: { scheme: 'category20' } },
        shape: { field: 'answer', type: 'nominal', title: 'known answer' },
      },
    },
  ]);
}

/** Output error against the tolerance: every completed run, max|X_L − exact| / (1/(10n)). */
export function errorToleranceSpec(records: readonly RunRecord[], title: string): PlotSpec {
  const floor = 1e-12;
  const values = records
    .filter((r) => r.status === 'ok' && r.maxError !== null)
    .map((r) => ({ engine: r.engine, family: family(r.engine), tokens: r.tokens, kind: r.family, ratio: Math.max(floor, (r.maxError ?? 0) / r.tolerance) }));
  return scatter(title, values, [
    { mark: { type: 'rule', color: '#c00' }, encoding: { y: { datum: 1 } } },
    {
      mark: { type: 'point', opacity: 0.75 },
      encoding: {
        x: { field: 'tokens', type: 'quantitative', scale: { type: 'log' }, title: 'tokens n (log)' },
        y: {
          field: 'ratio',
          type: 'quantitative',
          scale: { type: 'log' },
          title: "max |X_L − exact| / (1/(10n))  (red: the paper's tolerance; 1e-12 = exact)",
        },
        color: { field: 'family', type: 'nominal', scale: { scheme: 'category10' }, title: 'engine' },
        shape: { field: 'kind', type: 'nominal', title: 'instance family' },
      },
    },
  ]);
}

/** The threshold figure: exact decision rate and poly's cost/degree against B/√ln n. */
export function thresholdSpec(points: readonly ThresholdPoint[], title: string): PlotSpec {
  const rate = new Map<string, { n: number; beta: number; x: number; right: number; total: number }>();
  for (const p of points) {
    const k = `${p.tokens}|${p.beta}`;
    const r = rate.get(k) ?? { n: p.tokens, beta: p.beta, x: p.x, right: 0, total: 0 };
    r.total++;
    if (p.exactCorrect) r.right++;
    rate.set(k, r);
  }
  const rates = [...rate.values()].map((r) => ({ n: `n = ${r.n}`, x: r.x, rate: r.right / r.total }));
  const poly = points.map((p) => ({
    n: `n = ${p.tokens}`,
    x: p.x,
    cost: p.polyCostRatio ?? p.scannedCostRatio,
    degree: p.polyDegree ?? p.scannedDegree,
    reached: p.polyDegree !== null ? 'within 1/(10n)' : 'scan stopped (cost or rank cap): at least this',
  }));
  const xAxis = {
    field: 'x',
    type: 'quantitative' as const,
    scale: { type: 'log' as const },
    title: 'B / √(ln n), B = max |entry| of Q and K = 2√β (balanced); log',
  };
  return {
    $schema: VEGA_LITE,
    title,
    vconcat: [
      {
        width: 520,
        height: 180,
        data: { values: rates },
        mark: { type: 'line', point: true },
        encoding: {
          x: xAxis,
          y: { field: 'rate', type: 'quantitative', scale: { domain: [0, 1] }, title: 'exact engine: fraction decided right' },
          color: { field: 'n', type: 'nominal', title: 'tokens' },
        },
      },
      {
        width: 520,
        height: 180,
        data: { values: poly },
        layer: [
          { mark: { type: 'rule', strokeDash: [4, 4], color: '#888' }, encoding: { y: { datum: 1 } } },
          {
            mark: { type: 'point', size: 70 },
            encoding: {
              x: xAxis,
              y: { field: 'cost', type: 'quantitative', scale: { type: 'log' }, title: 'poly flops / exact flops (log; dashed: 1)' },
              color: { field: 'n', type: 'nominal', title: 'tokens' },
              shape: { field: 'reached', type: 'nominal', title: 'poly' },
            },
          },
        ],
      },
      {
        width: 520,
        height: 150,
        data: { values: poly },
        mark: { type: 'point', size: 70 },
        encoding: {
          x: xAxis,
          y: { field: 'degree', type: 'quantitative', title: 'poly degree needed for 1/(10n)' },
          color: { field: 'n', type: 'nominal', title: 'tokens' },
          shape: { field: 'reached', type: 'nominal', title: 'poly' },
        },
      },
    ],
  };
}

/** The selector figure: mean softmax mass on witnesses / dummy / rest per A query, against β. */
export function selectorSpec(rows: readonly SelectorRow[], title: string): PlotSpec {
  const groups = new Map<string, { beta: number; kind: string; part: string; sum: number; count: number }>();
  for (const r of rows) {
    const kind = r.witnesses > 0 ? 'A queries with a witness' : 'A queries without a witness';
    for (const [part, v] of [
      ['witness keys', r.witnessMass],
      ['dummy', r.dummyMass],
      ['rest', r.restMass],
    ] as const) {
      const k = `${r.beta}|${kind}|${part}`;
      const g = groups.get(k) ?? { beta: r.beta, kind, part, sum: 0, count: 0 };
      g.sum += v;
      g.count++;
      groups.set(k, g);
    }
  }
  const values = [...groups.values()].map((g) => ({ beta: g.beta, kind: g.kind, part: g.part, mass: g.sum / g.count }));
  const bound = rows[0]?.betaBound ?? 0;
  return {
    $schema: VEGA_LITE,
    title: `${title} (dotted: the reduction's β = ${bound})`,
    data: { values },
    facet: { column: { field: 'kind', type: 'nominal', title: null } },
    spec: {
      width: 300,
      height: 220,
      layer: [
        { mark: { type: 'rule', strokeDash: [2, 3], color: '#555' }, encoding: { x: { datum: bound } } },
        {
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'beta', type: 'quantitative', scale: { type: 'log' }, title: 'β (log)' },
            y: { field: 'mass', type: 'quantitative', scale: { domain: [0, 1] }, title: 'mean softmax mass' },
            color: { field: 'part', type: 'nominal', title: 'keys' },
          },
        },
      ],
    },
  };
}

/** Render, and put the provenance in a <desc> right after the opening <svg> tag. */
export async function svgWithProvenance(spec: PlotSpec, provenance: Record<string, unknown>): Promise<string> {
  const svg = await renderSvg(spec);
  const esc = JSON.stringify(provenance).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return svg.replace(/<svg([^>]*)>/, (m) => `${m}<desc>${esc}</desc>`);
}
