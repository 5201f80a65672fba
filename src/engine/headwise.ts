import { UserError } from '../errors.js';
import { guardMemory, type MemoryBudget } from '../memory.js';
import { kvGroupOf, kvGroupsViolation, type TransformerModel } from '../problems/transformer.js';
import { makeRng, type Rng } from '../rng.js';
import { applyMlp, matmul } from './reference.js';
import type { Engine, EvalCost, EvalOptions, EvalResult } from './types.js';

/**
 * The common driver of the approximate engines (poly, performer, nystrom, linformer, lsh, topk,
 * window): the transformer around one attention approximation. Projections, residual stream and
 * MLP are float64 and exact, as in the reference engine; only softmax(s·QKᵀ)V of each head is
 * replaced. Grouped-query models (kvGroups) project K and V once per group; causal models are
 * passed on to the head (`causal`), or refused with the engine's reason.
 *
 * Every engine counts the attention arithmetic it does in `cost` (flops: one + or × each, a
 * comparison counted as one; exps separately); projections and MLPs, which every engine does
 * alike, are not counted, so the count compares with exact attention's 4·n²·m flops and n² exps
 * per head (`exactAttentionCost` in cost.ts).
 *
 * Randomness: one Rng made from the engine's seed at the start of each evaluate() and consumed in
 * layer-major, head-minor order, so the same model and seed give the same output, bit for bit.
 */
export type Cost = EvalCost;

/** One head's already projected inputs. Q, K, V are n×m row-major. */
export interface HeadInput {
  readonly Q: Float64Array;
  readonly K: Float64Array;
  readonly V: Float64Array;
  readonly n: number;
  readonly m: number;
  readonly scale: number;
  /** Query i sees only keys j ≤ i. */
  readonly causal: boolean;
  readonly layer: number;
  readonly head: number;
  /** Refuse (UserError, before allocating) scratch memory of this many bytes if over the budget. */
  readonly guard: (what: string, bytes: number) => void;
}

/** What an engine is made with (the seam's EngineContext): its seed, and the run's memory budget. */
export interface EngineCtx {
  readonly seed: number;
  readonly budget?: MemoryBudget | undefined;
}

/** Computes (an approximation of) softmax(s·QKᵀ)V for one head, adding its arithmetic to cost. */
export type HeadAttention = (h: HeadInput, rng: Rng, cost: Cost) => Float64Array;

export interface HeadwiseSpec {
  readonly name: string;
  readonly attend: HeadAttention;
  /** How the engine treats causal models; a string is the reason it refuses them. */
  readonly causal: true | string;
  readonly seed: number;
  readonly budget?: MemoryBudget | undefined;
}

/** Whether a model asks for causal attention (query i sees keys j ≤ i). */
export function isCausal(model: TransformerModel): boolean {
  return model.causal === true;
}

export function headwiseEngine(spec: HeadwiseSpec): Engine {
  return {
    name: spec.name,
    dtype: 'f64',
    evaluate: async (model, options) => evaluateHeadwise(spec, model, options ?? {}),
  };
}

export function evaluateHeadwise(spec: HeadwiseSpec, model: TransformerModel, options: EvalOptions): EvalResult & { cost: Cost } {
  const { tokens: n, width: m, layers: L, heads: H } = model;
  const violation = kvGroupsViolation(model);
  if (violation) throw new UserError(violation);
  const causal = isCausal(model);
  if (causal && spec.causal !== true) throw new UserError(`engine ${spec.name} cannot evaluate a causal model: ${spec.causal}`);
  const rng = makeRng(spec.seed);
  const cost: Cost = { flops: 0, exps: 0 };
  let X = model.X;
  const perHead: Float64Array[][] | undefined = options.perHead ? [] : undefined;
  let done = 0;
  for (let l = 0; l < L; l++) {
    const Y = model.residual ? Float64Array.from(X) : new Float64Array(n * m);
    const layerHeads: Float64Array[] = [];
    let kv: { group: number; K: Float64Array; V: Float64Array } | undefined;
    for (let h = 0; h < H; h++) {
      const w = model.weights[l]![h]!;
      const Q = matmul(X, n, m, w.Q, m);
      // Grouped-query models: one K, V projection per group, shared by its heads.
      const group = kvGroupOf(model, h);
      if (!kv || kv.group !== group) {
        kv = { group, K: matmul(X, n, m, w.K, m), V: matmul(X, n, m, w.V, m) };
      }
      const guard = (what: string, bytes: number): void => {
        if (spec.budget) guardMemory(`engine ${spec.name}, layer ${l} head ${h}: ${what}`, bytes, spec.budget);
      };
      const out = spec.attend({ Q, K: kv.K, V: kv.V, n, m, scale: model.scale, causal, layer: l, head: h, guard }, rng, cost);
      for (let i = 0; i < Y.length; i++) Y[i]! += out[i]!;
      if (perHead) layerHeads.push(out);
      options.onProgress?.(++done, L * H);
    }
    perHead?.push(layerHeads);
    const p = model.mlp[l];
    X = p ? applyMlp(Y, n, m, p) : Y;
  }
  const result: EvalResult & { cost: Cost } = { output: X === model.X ? Float64Array.from(X) : X, engine: spec.name, dtype: 'f64', cost };
  if (perHead) result.perHead = perHead;
  return result;
}

/**
 * Row-wise softmax-weighted sum over a subset of keys with given scores: out[c] = Σ_t w_t V[key_t][c]
 * with w = softmax(scores), max-shifted. Used by the engines that keep some keys exactly.
 */
export function softmaxCombine(
  scores: Float64Array,
  keys: Int32Array,
  count: number,
  V: Float64Array,
  m: number,
  out: Float64Array,
  outOff: number,
  cost: Cost,
): void {
  let mx = -Infinity;
  for (let t = 0; t < count; t++) if (scores[t]! > mx) mx = scores[t]!;
  let sum = 0;
  for (let t = 0; t < count; t++) {
    const e = Math.exp(scores[t]! - mx);
    scores[t] = e;
    sum += e;
  }
  for (let t = 0; t < count; t++) {
    const wgt = scores[t]! / sum;
    const off = keys[t]! * m;
    for (let c = 0; c < m; c++) out[outOff + c]! += wgt * V[off + c]!;
  }
  cost.exps += count;
  cost.flops += count * (2 + 2 * m);
}

/**
 * The order of a linear-attention sweep (running sums S += φ(k_j)·[v_j, 1] over keys, read out
 * per query): without masking every key first, then every query; causal, key i then query i, so
 * query i reads the sums over keys j ≤ i.
 */
export function sweepKeysAndQueries(n: number, causal: boolean, addKey: (j: number) => void, readQuery: (i: number) => void): void {
  if (causal) {
    for (let i = 0; i < n; i++) {
      addKey(i);
      readQuery(i);
    }
  } else {
    for (let j = 0; j < n; j++) addKey(j);
    for (let i = 0; i < n; i++) readQuery(i);
  }
}

/** s·⟨Q_i, K_j⟩ (2m flops, counted by the caller). */
export function score(Q: Float64Array, K: Float64Array, i: number, j: number, m: number, scale: number): number {
  let dot = 0;
  const qo = i * m;
  const ko = j * m;
  for (let c = 0; c < m; c++) dot += Q[qo + c]! * K[ko + c]!;
  return scale * dot;
}
