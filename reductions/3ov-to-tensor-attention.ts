/**
 * 3ov-to-tensor-attention — 3-OV as one third-order attention evaluation (Alman and Song, "How to
 * capture higher-order correlations? Generalizing matrix softmax attention to Kronecker computation",
 * arXiv 2310.04064, the hardness direction: 3-OV → tensor attention with entries Θ(∛log n)).
 *
 * Construction (width m = d + 4; coordinates 0..d−1 the vector, d, d+1, d+2 gadget flags, d+3 the
 * accumulator; γ = ∛β with β = 2⌈log₂(40·(|B|+1)·(|C|+1))⌉):
 *   queries  q_a  = γ·(−a, −½, −2, −2, 0)                  one per a ∈ A
 *   keys1    k_b  = γ·( b,  0,  1,  0, 0),  z1 = γ·(0, 1, 0, 1, 0)     B, then a dummy z1
 *   keys2    k_c  = γ·( c,  0,  0,  1, 0),  z2 = γ·(0, 1, 1, 0, 0)     C, then a dummy z2
 *   values   v1 = e_acc on B, 0 on z1;  v2 = e_acc on C, 0 on z2       (v1 ∘ v2 = e_acc on B × C)
 * so the pair scores are ⟨q_a, k1 ∘ k2⟩ = −β·Σ_t a[t]b[t]c[t] for (b, c), −β/2 for (z1, z2), and −2β
 * for the mixed pairs (b, z2) and (z1, c); the scale is 1.
 * Correctness: out[a][acc] = X / (X + R) with X = Σ_{(b,c)} e^{−β⟨a,b,c⟩} and
 * R = e^{−β/2} + (|B| + |C|)·e^{−2β}. If some (b, c) is orthogonal with a, X ≥ 1 and out ≥ 1 − R;
 * otherwise X ≤ |B||C|·e^{−β} and out ≤ |B||C|·e^{−β/2}. Since e^{−β/2} < 2^{−β/2} ≤ 1/(40(|B|+1)(|C|+1)),
 * both R and |B||C|·e^{−β/2} are below 1/40: max_a out[a][acc] > ½ iff YES, margin ≥ ½ − 1/40 = 0.475.
 * Entries are at most 2γ = 2∛β = Θ(∛log n), the paper's threshold: with entries o(∛log n) tensor
 * attention has n^{1+o(1)}-time approximations, at Θ(∛log n) none in n^{3−ε} under SETH.
 * Witness: the query with the largest acc gives a; halving over B (each half with z1 kept, all of C
 * and z2) and then over C (with the found b and z1) keeps a half that still exceeds ½ — restricting
 * keys keeps the dummy pair and drops only leaking pairs, so the bounds above hold for every subset.
 */
import { z } from 'zod';
import { getBit, type BitMatrix } from '../src/problems/bit-matrix.js';
import type { ModelOutput } from '../src/problems/registry.js';
import type { TensorAttentionInstance } from '../src/problems/tensor-attention.js';
import type { ThreeOvInstance, ThreeOvSolution } from '../src/problems/three-ov.js';
import { tensorAttendRows } from '../src/engine/tensor-reference.js';
import { evalFormula } from '../src/reduction/formula.js';
import { decisionOf, defineReduction, type HeadProbe } from '../src/reduction/types.js';
import { UserError } from '../src/errors.js';

const Options = z.object({});
type Options = z.infer<typeof Options>;

const BETA_FORMULA = '2 * ceil(log2(40 * (sizeB + 1) * (sizeC + 1)))';
const THRESHOLD = 0.5;

interface Meta {
  dim: number;
  beta: number;
}

function acc(dim: number): number {
  return dim + 3;
}

function decide(output: Float64Array, queries: number, width: number, dim: number): { statistic: number; row: number } {
  let best = -Infinity;
  let row = -1;
  for (let i = 0; i < queries; i++) {
    const v = output[i * width + acc(dim)]!;
    if (v > best || Number.isNaN(v)) {
      best = v;
      row = i;
    }
  }
  return { statistic: best, row };
}

/**
 * One key set of the construction: γ·(v, flag) for each vector v of M, then the dummy γ·(0, its two
 * flags); values e_acc on the vectors and 0 on the dummy. Width d + 4, accumulator d + 3.
 */
function keySet(M: BitMatrix, g: number, flag: number, dummyFlags: readonly [number, number]): { K: Float64Array; V: Float64Array } {
  const d = M.dim;
  const m = d + 4;
  const K = new Float64Array((M.rows + 1) * m);
  const V = new Float64Array((M.rows + 1) * m);
  for (let j = 0; j < M.rows; j++) {
    for (let t = 0; t < d; t++) K[j * m + t] = getBit(M, j, t) ? g : 0;
    K[j * m + flag] = g;
    V[j * m + acc(d)] = 1;
  }
  for (const f of dummyFlags) K[M.rows * m + f] = g;
  return { K, V };
}

/** Halving search for (b, c) at query `row`, every evaluation restricted to key subsets plus the dummies. */
function recoverPair(t: TensorAttentionInstance, dim: number, row: number, nB: number, nC: number, probe: HeadProbe): [number, number] | undefined {
  const z1 = nB;
  const z2 = nC;
  const fires = (bs: readonly number[], cs: readonly number[]): boolean => {
    probe.stats.calls++;
    probe.stats.scoredPairs += (bs.length + 1) * (cs.length + 1);
    return tensorAttendRows(t, [row], [...bs, z1], [...cs, z2])[acc(dim)]! > THRESHOLD;
  };
  const allC = Array.from({ length: nC }, (_, k) => k);
  let bs = Array.from({ length: nB }, (_, j) => j);
  while (bs.length > 1) {
    probe.round();
    const half = bs.slice(0, Math.ceil(bs.length / 2));
    bs = fires(half, allC) ? half : bs.slice(half.length);
  }
  const b = bs[0];
  if (b === undefined) return undefined;
  let cs = allC;
  while (cs.length > 1) {
    probe.round();
    const half = cs.slice(0, Math.ceil(cs.length / 2));
    cs = fires([b], half) ? half : cs.slice(half.length);
  }
  const c = cs[0];
  if (c === undefined) return undefined;
  probe.round();
  return fires([b], [c]) ? [b, c] : undefined;
}

export const threeOvToTensorAttention = defineReduction<ThreeOvInstance, TensorAttentionInstance, ThreeOvSolution, ModelOutput, Options, Meta, { row: number }>(
  {
    id: '3ov-to-tensor-attention',
    source: '3ov',
    target: 'tensor-attention',
    title: '3-OV → one third-order attention (A queries, B and C the two key sets)',
    reference:
      'J. Alman, Z. Song, How to capture higher-order correlations? Generalizing matrix softmax attention to Kronecker computation, arXiv 2310.04064 (ICLR 2024)',
    optionsSchema: Options,
    params: (s) => {
      const p = { sizeA: s.sizeA!, sizeB: s.sizeB!, sizeC: s.sizeC!, dim: s.dim! };
      const beta = evalFormula(BETA_FORMULA, p);
      return { ...p, beta, gamma: Math.cbrt(beta) };
    },
    overhead: { queries: 'sizeA', keys1: 'sizeB + 1', keys2: 'sizeC + 1', width: 'dim + 4', maxAbsEntry: '2 * gamma' },
    forward(o) {
      if (o.A.rows === 0) throw new UserError('3-OV instance has an empty A: there is no query (the answer is trivially NO)');
      const d = o.dim;
      const m = d + 4;
      const beta = 2 * Math.ceil(Math.log2(40 * (o.B.rows + 1) * (o.C.rows + 1)));
      const g = Math.cbrt(beta);
      const nB = o.B.rows;
      const nC = o.C.rows;
      const Q = new Float64Array(o.A.rows * m);
      for (let i = 0; i < o.A.rows; i++) {
        for (let t = 0; t < d; t++) Q[i * m + t] = getBit(o.A, i, t) ? -g : 0;
        Q[i * m + d] = -g / 2;
        Q[i * m + d + 1] = -2 * g;
        Q[i * m + d + 2] = -2 * g;
      }
      // The header's keys1 (B, flag d+1; z1 = flags d, d+2) and keys2 (C, flag d+2; z2 = flags d, d+1).
      const { K: K1, V: V1 } = keySet(o.B, g, d + 1, [d, d + 2]);
      const { K: K2, V: V2 } = keySet(o.C, g, d + 2, [d, d + 1]);
      const target: TensorAttentionInstance = {
        queries: o.A.rows,
        keys1: nB + 1,
        keys2: nC + 1,
        width: m,
        scale: 1,
        Q,
        K1,
        K2,
        V1,
        V2,
        annotations: {
          construction: '3ov-to-tensor-attention (Alman–Song, arXiv 2310.04064)',
          beta,
          gamma: g,
          accCoordinate: d + 3,
          dummyKey1: nB,
          dummyKey2: nC,
          decision: 'max over queries of out[i][acc] > 1/2',
        },
      };
      return { target, meta: { dim: d, beta } };
    },
    // A maximum of output entries: it moves by at most ε when every entry does (sensitivity 1).
    decision({ target, meta }, output) {
      const { statistic, row } = decide(output, target.queries, target.width, meta.dim);
      return { statistic, threshold: THRESHOLD, positive: statistic > THRESHOLD, sensitivity: 1, evidence: { row } };
    },
    backward(input, ctx) {
      const { source, target, meta } = input;
      const decision = decisionOf(input, '3ov-to-tensor-attention');
      if (!decision.positive) return { answer: 'NO' };
      const { row } = decision.evidence;
      const pair = recoverPair(target, meta.dim, row, source.B.rows, source.C.rows, ctx.probe);
      return pair ? { answer: 'YES', witness: [row, pair[0], pair[1]] } : { answer: 'YES' };
    },
  },
);
