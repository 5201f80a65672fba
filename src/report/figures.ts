import { evaluateReference, matmul } from '../engine/reference.js';
import type { PlotSpec } from '../plot/render.js';
import type { TransformerModel } from '../problems/transformer.js';

/**
 * What a check report shows about one decision, computed from the model and its output X_L alone
 * (plus one reference evaluation with per-head outputs): the accumulator of every A token against
 * the threshold and the ±ε tolerance band, which head fires for which A token, and the attention
 * weights of the firing head for the decisive query over all keys. Read from the model's
 * annotations (accumulator coordinate, token ranges), so any construction that records them gets
 * the figures; others get none, and the report says so.
 */
export interface DecisionFigures {
  acc: number;
  aTokens: number;
  bTokens: number;
  dummy: number;
  /** X_L[a][acc] for every A token a. */
  accumulators: Float64Array;
  threshold: number;
  tolerance: number;
  /** firing[t][a]: head t = layer·H + head's contribution to A token a's accumulator. */
  firing: Float64Array[];
  /** The A token with the largest accumulator (the decisive query) and the head contributing most to it. */
  query: number;
  head: { layer: number; head: number };
  /** Attention weights of that head for that query over every key token (in layer input order). */
  weights: Float64Array;
}

function range(s: unknown): [number, number] | undefined {
  const m = typeof s === 'string' ? /^(\d+)\.\.(\d+)$/.exec(s) : null;
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** Undefined when the model does not record the construction's layout (annotations). */
export function decisionFigures(model: TransformerModel, output: Float64Array, threshold: number, tolerance: number): DecisionFigures | undefined {
  const a = model.annotations;
  const acc = a.accCoordinate;
  const aRange = range(a.aTokens);
  const bRange = range(a.bTokens);
  if (typeof acc !== 'number' || !aRange || !bRange || typeof a.dummyToken !== 'number') return undefined;
  if (model.mlp.some((p) => p !== null)) return undefined;
  const { tokens: n, width: m, heads: H } = model;
  const nA = aRange[1] - aRange[0] + 1;
  const accumulators = new Float64Array(nA);
  for (let i = 0; i < nA; i++) accumulators[i] = output[(aRange[0] + i) * m + acc]!;
  const perHead = evaluateReference(model, { perHead: true }).perHead!;
  const firing = perHead.flatMap((layer) => layer.map((h) => Float64Array.from({ length: nA }, (_, i) => h[(aRange[0] + i) * m + acc]!)));
  let query = 0;
  for (let i = 1; i < nA; i++) if (accumulators[i]! > accumulators[query]!) query = i;
  let t = 0;
  for (let u = 1; u < firing.length; u++) if (firing[u]![query]! > firing[t]![query]!) t = u;
  const layer = Math.floor(t / H);
  const head = t % H;
  // The layer's input: X_0 plus (residual models) every earlier layer's heads; no MLP here.
  const X = Float64Array.from(model.X);
  if (model.residual) for (let l = 0; l < layer; l++) for (const h of perHead[l]!) for (let i = 0; i < X.length; i++) X[i]! += h[i]!;
  const w = model.weights[layer]![head]!;
  const q = matmul(X.subarray((aRange[0] + query) * m, (aRange[0] + query + 1) * m), 1, m, w.Q, m);
  const K = matmul(X, n, m, w.K, m);
  const last = model.causal ? aRange[0] + query : n - 1;
  const scores = new Float64Array(last + 1);
  let max = -Infinity;
  for (let j = 0; j <= last; j++) {
    let s = 0;
    for (let k = 0; k < m; k++) s += q[k]! * K[j * m + k]!;
    scores[j] = model.scale * s;
    if (scores[j]! > max) max = scores[j]!;
  }
  let sum = 0;
  for (let j = 0; j <= last; j++) sum += scores[j] = Math.exp(scores[j]! - max);
  for (let j = 0; j <= last; j++) scores[j]! /= sum;
  return {
    acc,
    aTokens: nA,
    bTokens: bRange[1] - bRange[0] + 1,
    dummy: a.dummyToken,
    accumulators,
    threshold,
    tolerance,
    firing,
    query,
    head: { layer, head },
    weights: scores,
  };
}

const WIDTH = 640;

/** Accumulator of every A token (points), the threshold (rule) and the tolerance band (rect). */
export function accumulatorSpec(f: DecisionFigures): PlotSpec {
  const values = Array.from(f.accumulators, (v, i) => ({ token: i, accumulator: v, fires: v > f.threshold ? 'above threshold' : 'below threshold' }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Accumulator X_L[a][${f.acc}] of every A token (threshold ${f.threshold}, band ±ε = ±${f.tolerance.toExponential(2)})`,
    width: WIDTH,
    height: 220,
    layer: [
      {
        data: { values: [{ lo: f.threshold - f.tolerance, hi: f.threshold + f.tolerance }] },
        mark: { type: 'rect', color: '#f4c542', opacity: 0.5 },
        encoding: { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } },
      },
      {
        data: { values: [{ threshold: f.threshold }] },
        mark: { type: 'rule', color: '#c0392b', strokeDash: [4, 3] },
        encoding: { y: { field: 'threshold', type: 'quantitative' } },
      },
      {
        data: { values },
        mark: { type: 'point', filled: true, size: 18 },
        encoding: {
          x: { field: 'token', type: 'quantitative', title: 'A token' },
          y: { field: 'accumulator', type: 'quantitative', title: 'accumulator' },
          color: { field: 'fires', type: 'nominal', scale: { domain: ['above threshold', 'below threshold'], range: ['#1f77b4', '#999999'] }, title: null },
        },
      },
    ],
  };
}

/** Head × A-token firing matrix (heat map of each head's contribution to the accumulator). */
export function firingSpec(f: DecisionFigures, heads: number): PlotSpec {
  const values: { head: string; token: number; contribution: number }[] = [];
  f.firing.forEach((row, t) => row.forEach((v, i) => values.push({ head: `L${Math.floor(t / heads)}·H${t % heads}`, token: i, contribution: v })));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Which head fires for which A token (contribution to the accumulator)',
    width: WIDTH,
    height: Math.max(60, 18 * f.firing.length),
    data: { values },
    mark: 'rect',
    encoding: {
      x: { field: 'token', type: 'ordinal', title: 'A token', axis: f.aTokens > 64 ? { labels: false, ticks: false } : {} },
      y: { field: 'head', type: 'ordinal', title: 'head', sort: null },
      color: { field: 'contribution', type: 'quantitative', scale: { scheme: 'blues', domain: [0, 1] } },
    },
  };
}

/** Attention weights of the firing head for the decisive query over every key (heat map strip). */
export function attentionSpec(f: DecisionFigures): PlotSpec {
  const kind = (j: number): string => (j < f.aTokens ? 'A' : j < f.aTokens + f.bTokens ? 'B' : 'dummy');
  const values = Array.from(f.weights, (w, j) => ({ key: j, weight: w, kind: kind(j) }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Attention of head L${f.head.layer}·H${f.head.head} for the decisive query (A token ${f.query}) over all ${f.weights.length} keys`,
    width: WIDTH,
    height: 60,
    data: { values },
    mark: 'rect',
    encoding: {
      x: { field: 'key', type: 'ordinal', title: 'key token (A tokens, then B tokens, then the dummy)', axis: { labels: false, ticks: false } },
      y: { field: 'kind', type: 'nominal', title: null, sort: ['A', 'B', 'dummy'] },
      color: { field: 'weight', type: 'quantitative', scale: { scheme: 'reds', domain: [0, 1] } },
      tooltip: [{ field: 'key' }, { field: 'weight', format: '.4f' }],
    },
  };
}

/** Batches: the margin of every input, coloured by whether it agreed with the oracle. */
export function marginsSpec(rows: readonly { input: string; margin: number; agree: string }[]): PlotSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Decision margin |statistic − threshold| per input',
    width: WIDTH,
    height: 220,
    data: { values: rows.map((r, i) => ({ ...r, index: i })) },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'index', type: 'ordinal', title: 'input', axis: rows.length > 40 ? { labels: false, ticks: false } : {} },
      y: { field: 'margin', type: 'quantitative', title: 'margin' },
      color: { field: 'agree', type: 'nominal', scale: { domain: ['agree', 'DISAGREE', 'no oracle'], range: ['#2ca02c', '#d62728', '#999999'] }, title: null },
      tooltip: [{ field: 'input' }, { field: 'margin', format: '.4f' }],
    },
  };
}

/** Time per phase (one stacked bar per input). */
export function timingsSpec(rows: readonly { input: string; phase: string; ms: number }[]): PlotSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Time per phase',
    width: WIDTH,
    height: Math.min(600, Math.max(40, 14 * new Set(rows.map((r) => r.input)).size)),
    data: { values: rows },
    mark: 'bar',
    encoding: {
      y: { field: 'input', type: 'nominal', title: null, sort: null, axis: new Set(rows.map((r) => r.input)).size > 40 ? { labels: false, ticks: false } : {} },
      x: { field: 'ms', type: 'quantitative', title: 'ms', stack: 'zero' },
      color: { field: 'phase', type: 'nominal', sort: ['forward', 'evaluate', 'decode', 'oracle'] },
    },
  };
}
