import { UserError } from '../../src/errors.js';
import { getBit, type BitMatrix } from '../../src/problems/bit-matrix.js';
import type { HeadWeights } from '../../src/problems/transformer.js';
import type { Decision, HeadProbe } from '../../src/reduction/types.js';
import type { ThreeOvSolution } from '../../src/problems/three-ov.js';
import type { TransformerModel } from '../../src/problems/transformer.js';

/**
 * The orthogonality head of docs/model.md §3, shared by 3ov-to-transformer and ov-to-attention.
 *
 * Tokens (n = |A| + |B| + 1), width m = d + 4: coordinates 0..d−1 hold the vector, d, d+1, d+2 the
 * flags isA, isB, isDummy, and d+3 the accumulator (0 in X_0). Rows: A tokens, then B, then the dummy.
 * Head with vector c and integer β > 0:
 *   W_Q[k][k] = −β·c[k] (k < d), W_Q[d][d] = β        q_i = (−β·c∘x_i, β·isA_i)
 *   W_K[k][k] = 1 (k < d), W_K[d][d] = −2, W_K[d+2][d] = −½   k_j = (x_j, −2·isA_j − ½·isDummy_j)
 *   W_V[d+1][d+3] = 1                                   v_j = isB_j · e_acc
 * For an A-token a the score of key b is −β⟨a∘c, b⟩ ∈ {0, −β, −2β, …}, of the dummy −β/2, of any
 * A-token ≤ −2β. So the head's acc output is ≥ 1 − (e^{−β/2} + n·e^{−β}) when some b is orthogonal
 * to a∘c, and ≤ n·e^{−β/2} otherwise. With β = 2⌈log₂(40·n·L·H)⌉, e^{−β/2} ≤ (40nLH)^{−1/ln 2} <
 * 1/(40nLH), so the leak summed over all LH heads is below 1/40. No weight reads acc, and heads
 * write only acc, so every layer sees coordinates 0..d+2 of X_0 unchanged.
 *
 * Token order: 'abd' (A, B, dummy) for full attention; 'bda' (B, dummy, A) for a causal model, where
 * every A query then sees all of B and the dummy, and of the A keys only earlier ones — which score
 * ≤ −2β anyway, so every bound above holds unchanged (fewer leaking keys, the same dominant ones).
 */
export type TokenOrder = 'abd' | 'bda';

export interface GadgetLayout {
  readonly dim: number;
  readonly nA: number;
  readonly nB: number;
  readonly tokens: number;
  readonly width: number;
  readonly acc: number;
  readonly dummy: number;
  /** Position of A token 0 and of B token 0. */
  readonly aStart: number;
  readonly bStart: number;
}

export function gadgetLayout(A: BitMatrix, B: BitMatrix, order: TokenOrder = 'abd'): GadgetLayout {
  const d = A.dim;
  const base = { dim: d, nA: A.rows, nB: B.rows, tokens: A.rows + B.rows + 1, width: d + 4, acc: d + 3 };
  return order === 'abd' ? { ...base, aStart: 0, bStart: A.rows, dummy: A.rows + B.rows } : { ...base, bStart: 0, dummy: B.rows, aStart: B.rows + 1 };
}

/** The token ranges, for a model's annotations. */
export function layoutAnnotations(layout: GadgetLayout): Record<string, string | number> {
  const range = (start: number, count: number): string => (count === 0 ? 'none' : `${start}..${start + count - 1}`);
  return { accCoordinate: layout.acc, aTokens: range(layout.aStart, layout.nA), bTokens: range(layout.bStart, layout.nB), dummyToken: layout.dummy };
}

/** β = 2⌈log₂(40·n·L·H)⌉, the formula the overhead declares. */
export const BETA_FORMULA = '2 * ceil(log2(40 * tokens * layers * heads))';

export function gadgetBeta(tokens: number, totalHeads: number): number {
  return 2 * Math.ceil(Math.log2(40 * tokens * totalHeads));
}

export function gadgetTokens(A: BitMatrix, B: BitMatrix, layout: GadgetLayout): Float64Array {
  const { dim: d, width: m } = layout;
  const X = new Float64Array(layout.tokens * m);
  for (let i = 0; i < A.rows; i++) {
    const r = layout.aStart + i;
    for (let k = 0; k < d; k++) X[r * m + k] = getBit(A, i, k);
    X[r * m + d] = 1;
  }
  for (let j = 0; j < B.rows; j++) {
    const r = layout.bStart + j;
    for (let k = 0; k < d; k++) X[r * m + k] = getBit(B, j, k);
    X[r * m + d + 1] = 1;
  }
  X[layout.dummy * m + d + 2] = 1;
  return X;
}

/**
 * The β options that ov-to-attention and 3ov-to-transformer share (the threshold experiment of
 * `seth arena --suite threshold`):
 *  - `beta`: use this β instead of 2⌈log₂(40nLH)⌉. Below that bound the leak bound above no longer
 *    holds and the instance may decide wrongly; the model's annotations say so (betaBelowBound).
 *  - `balance`: put √β in both W_Q and W_K (W_Q = √β·(…), W_K = √β·(…)) instead of β in W_Q alone.
 *    Every score is the same, but now ‖Q‖∞ = √β and ‖K‖∞ = 2√β (the −2 of isA), so the largest
 *    entry of the query/key matrices is Θ(√β): Alman and Song's bound B.
 */
export interface BetaOptions {
  beta?: number | undefined;
  balance?: boolean | undefined;
}

/** Scale of W_Q's entries and of W_K's (β and 1, or √β and √β). */
export function gadgetScales(beta: number, balance: boolean): { qScale: number; kScale: number } {
  return balance ? { qScale: Math.sqrt(beta), kScale: Math.sqrt(beta) } : { qScale: beta, kScale: 1 };
}

/** Largest |entry| of a gadget model (tokens are 0/1): max(qScale, 2·kScale, 1), the overhead formula. */
export const MAX_ENTRY_FORMULA = 'max(qScale, 2 * kScale, 1)';

/** β to build with, and the facts the annotations record about it. */
export function chooseBeta(tokens: number, totalHeads: number, o: BetaOptions): { beta: number; bound: number; below: boolean; balance: boolean } {
  const bound = gadgetBeta(tokens, totalHeads);
  const beta = o.beta ?? bound;
  return { beta, bound, below: beta < bound, balance: o.balance === true };
}

/** Annotations recording β, its bound and the balance. */
export function betaAnnotations(b: { beta: number; bound: number; below: boolean; balance: boolean }): Record<string, number | string> {
  return {
    beta: b.beta,
    betaBound: b.bound,
    ...(b.below ? { betaBelowBound: `β = ${b.beta} < 2⌈log₂(40nLH)⌉ = ${b.bound}: the leak bound does not hold; the decision may be wrong` } : {}),
    balance: b.balance ? 'yes (√β in W_Q and in W_K)' : 'no (β in W_Q)',
  };
}

/** Head weights for vector C[row] (or the all-ones vector when C is null). */
export function gadgetHead(C: BitMatrix | null, row: number, layout: GadgetLayout, beta: number, balance = false): HeadWeights {
  const { dim: d, width: m } = layout;
  const { qScale, kScale } = gadgetScales(beta, balance);
  const Q = new Float64Array(m * m);
  const K = new Float64Array(m * m);
  const V = new Float64Array(m * m);
  for (let k = 0; k < d; k++) {
    const c = C ? getBit(C, row, k) : 1;
    Q[k * m + k] = c ? -qScale : 0;
    K[k * m + k] = kScale;
  }
  Q[d * m + d] = qScale;
  K[d * m + d] = -2 * kScale;
  K[(d + 2) * m + d] = -0.5 * kScale;
  V[(d + 1) * m + (d + 3)] = 1;
  return { Q, K, V };
}

/** The decisive statistic: the largest accumulator over the A tokens, read from the output alone; `token` is the A index. */
function decideFromOutput(output: Float64Array, layout: GadgetLayout): { statistic: number; token: number } {
  let best = -Infinity;
  let token = -1;
  for (let i = 0; i < layout.nA; i++) {
    const v = output[(layout.aStart + i) * layout.width + layout.acc]!;
    if (v > best || Number.isNaN(v)) {
      best = v;
      token = i;
    }
  }
  return { statistic: layout.nA === 0 ? 0 : best, token };
}

const DECISION_THRESHOLD = 0.5;

export interface HeadRef {
  layer: number;
  head: number;
}

/**
 * Witness recovery (docs/model.md §3) with O(log) further single-row evaluations of the model's own heads:
 * 1. which head fired for A-token i: halve the candidate heads, keeping a half whose summed acc
 *    output at row i exceeds ½ (log₂(#heads) rounds);
 * 2. which b: evaluate that head at row i against half of the candidate B tokens plus the dummy,
 *    keeping a half that still fires (log₂|B| rounds). The dummy keeps the softmax well defined and
 *    the leak bound unchanged, so "fires" keeps its ½ threshold.
 * Returns the head and the B index, or undefined when some round finds nothing (cannot happen
 * above the leak bound; reported as an unverified witness).
 */
export function recoverHeadAndB(
  model: TransformerModel,
  layout: GadgetLayout,
  probe: HeadProbe,
  aIndex: number,
  candidates: readonly HeadRef[],
): { head: HeadRef; bIndex: number } | undefined {
  const aToken = layout.aStart + aIndex;
  let heads = [...candidates];
  const allTokens = Array.from({ length: layout.tokens }, (_, t) => t);
  while (heads.length > 1) {
    probe.round();
    const half = heads.slice(0, Math.ceil(heads.length / 2));
    let sum = 0;
    for (const h of half) sum += probe.evaluate(model, h.layer, h.head, [aToken], allTokens)[layout.acc]!;
    heads = sum > DECISION_THRESHOLD ? half : heads.slice(half.length);
  }
  const head = heads[0];
  if (!head) return undefined;
  let bs = Array.from({ length: layout.nB }, (_, j) => j);
  const fires = (subset: readonly number[]): boolean => {
    const keys = [...subset.map((j) => layout.bStart + j), layout.dummy];
    return probe.evaluate(model, head.layer, head.head, [aToken], keys)[layout.acc]! > DECISION_THRESHOLD;
  };
  while (bs.length > 1) {
    probe.round();
    const half = bs.slice(0, Math.ceil(bs.length / 2));
    bs = fires(half) ? half : bs.slice(half.length);
  }
  const b = bs[0];
  if (b === undefined) return undefined;
  probe.round();
  return fires([b]) ? { head, bIndex: b } : undefined;
}

/** What the gadget's decision hands backward: the A index whose accumulator is the largest. */
export interface GadgetEvidence {
  token: number;
}

/**
 * The decision of a gadget model: max_a acc(a) > ½. A maximum of output entries moves by at most
 * ε when every entry does: sensitivity 1.
 */
export function gadgetDecision(layout: GadgetLayout, output: Float64Array): Decision<GadgetEvidence> {
  const { statistic, token } = decideFromOutput(output, layout);
  return { statistic, threshold: DECISION_THRESHOLD, positive: statistic > DECISION_THRESHOLD, sensitivity: 1, evidence: { token } };
}

/**
 * The 3-OV answer of an L×H gadget model whose head t carries c_{t mod |C|}, from its decision: NO
 * below the threshold; else the A index with the largest acc, and (by halving with the probe) the
 * head and the B index. Heads 0..|C|−1 carry every vector of C once, so only those are searched.
 */
export function threeOvFromGadget(
  model: TransformerModel,
  layout: GadgetLayout,
  probe: HeadProbe,
  decision: Decision<GadgetEvidence>,
  sizeC: number,
  heads: number,
): ThreeOvSolution {
  if (!decision.positive) return { answer: 'NO' };
  const { token } = decision.evidence;
  const candidates: HeadRef[] = [];
  for (let t = 0; t < Math.min(sizeC, model.layers * heads); t++) candidates.push({ layer: Math.floor(t / heads), head: t % heads });
  const found = recoverHeadAndB(model, layout, probe, token, candidates);
  if (!found) return { answer: 'YES' };
  const k = (found.head.layer * heads + found.head.head) % sizeC;
  return { answer: 'YES', witness: [token, found.bIndex, k] };
}

/** The gadget's heads all share W_K and W_V, so any divisor of H is a valid K/V grouping. */
export function checkKvGroups(kvGroups: number | undefined, heads: number): void {
  if (kvGroups !== undefined && heads % kvGroups !== 0) {
    throw new UserError(`option --kv-groups: ${kvGroups} K/V groups do not divide the ${heads} heads per layer`);
  }
}

/** "the 3·5 = 15 heads carry the 8 vectors of C, one each (8 distinct heads; the other 7 repeat vectors of C)". */
export function headsText(layers: number, heads: number, c: number | undefined): string {
  const total = layers * heads;
  if (c === undefined || c === total) return `each of the ${layers}·${heads} = ${total} heads carries one vector c of C`;
  if (c > total) return `the ${layers}·${heads} = ${total} heads carry ${total} of the ${c} vectors of C, one each`;
  const repeats = total - c;
  return (
    `the ${layers}·${heads} = ${total} heads carry the ${c} vector${c === 1 ? '' : 's'} of C, one each: ${c} distinct head${c === 1 ? '' : 's'}, ` +
    `and the other ${repeats} repeat${repeats === 1 ? 's' : ''} a vector of C (repeats add nothing new)`
  );
}
