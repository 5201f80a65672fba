import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REDUCTIONS } from '../reductions/index.js';
import { evaluateTensorAttention, guardTensorWork, tensorAttendRows } from '../src/engine/tensor-reference.js';
import { parseInstance, serializeInstance } from '../src/io/instance-file.js';
import { defaultBudget } from '../src/memory.js';
import { bitMatrixToStrings, emptyBitMatrix, getBit, setBit } from '../src/problems/bit-matrix.js';
import { cnfFromClauses } from '../src/problems/ksat.js';
import type { KovInstance } from '../src/problems/kov.js';
import { verifyKovWitness } from '../src/problems/kov.js';
import type { OvInstance } from '../src/problems/ov.js';
import type { TensorAttentionInstance } from '../src/problems/tensor-attention.js';
import type { ThreeOvInstance } from '../src/problems/three-ov.js';
import { solveKovBrute } from '../src/oracles/kov-brute.js';
import { forwardStep } from '../src/reduction/chain.js';
import { makeRng, type Rng } from '../src/rng.js';
import { randomMatrix } from '../src/testing/random-transformer.js';
import { expectOk, expectUserError, INSTANCES, seth } from './helpers/cli.js';

/** Tensor attention (problem, reference evaluation, 3-OV reduction) and k-OV (problem, oracle, ksat-to-kov). */
const byId = (id: string) => REDUCTIONS.find((r) => r.id === id)!;

function randomTensor(rng: Rng, nq: number, n1: number, n2: number, m: number, spread: number): TensorAttentionInstance {
  return {
    queries: nq,
    keys1: n1,
    keys2: n2,
    width: m,
    scale: 0.7,
    Q: randomMatrix(rng, nq * m, spread),
    K1: randomMatrix(rng, n1 * m, spread),
    K2: randomMatrix(rng, n2 * m, spread),
    V1: randomMatrix(rng, n1 * m, 1),
    V2: randomMatrix(rng, n2 * m, 1),
    annotations: {},
  };
}

/** The definition, materialised: A = exp(s·Q(K1 ⊘ K2)ᵀ) (queries × n1·n2), D⁻¹·A·(V1 ⊘ V2). */
function textbook(t: TensorAttentionInstance): Float64Array {
  const m = t.width;
  const out = new Float64Array(t.queries * m);
  for (let i = 0; i < t.queries; i++) {
    const scores: number[] = [];
    const values: number[][] = [];
    for (let j = 0; j < t.keys1; j++) {
      for (let k = 0; k < t.keys2; k++) {
        let s = 0;
        for (let c = 0; c < m; c++) s += t.Q[i * m + c]! * t.K1[j * m + c]! * t.K2[k * m + c]!;
        scores.push(t.scale * s);
        values.push(Array.from({ length: m }, (_, c) => t.V1[j * m + c]! * t.V2[k * m + c]!));
      }
    }
    const mx = Math.max(...scores);
    const e = scores.map((s) => Math.exp(s - mx));
    const z = e.reduce((a, b) => a + b, 0);
    for (let c = 0; c < m; c++) out[i * m + c] = e.reduce((a, w, p) => a + w * values[p]![c]!, 0) / z;
  }
  return out;
}

describe('tensor attention: reference evaluation', () => {
  it('equals the materialised definition to 1e-12 (streaming softmax over key pairs)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e6 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom(0.5, 2, 6),
        (seed, nq, n1, n2, m, spread) => {
          const t = randomTensor(makeRng(seed), nq, n1, n2, m, spread);
          const got = evaluateTensorAttention(t);
          const want = textbook(t);
          want.forEach((v, i) => expect(Math.abs(got[i]! - v)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(v))));
        },
      ),
      { numRuns: 150 },
    );
  });
  it('restricted to key subsets, equals the definition on the sub-instance', () => {
    const t = randomTensor(makeRng(3), 3, 5, 4, 3, 1);
    const J = [1, 3, 4];
    const K = [0, 2];
    const pick = (a: Float64Array, rows: number[]): Float64Array => Float64Array.from(rows.flatMap((r) => Array.from(a.subarray(r * 3, r * 3 + 3))));
    const sub: TensorAttentionInstance = {
      ...t,
      queries: 1,
      keys1: 3,
      keys2: 2,
      Q: pick(t.Q, [2]),
      K1: pick(t.K1, J),
      V1: pick(t.V1, J),
      K2: pick(t.K2, K),
      V2: pick(t.V2, K),
    };
    const got = tensorAttendRows(t, [2], J, K);
    textbook(sub).forEach((v, c) => expect(got[c]).toBeCloseTo(v, 12));
  });
  it('refuses n³ work past its limit with the estimate, unless forced', () => {
    expect(() => guardTensorWork({ queries: 4096, keys1: 4097, keys2: 4097, width: 40 }, false)).toThrow(
      /refusing the tensor-attention reference evaluation: 4096 queries × 4097·4097 key pairs × width 40 is about 5\.50e\+12 multiply-adds .*--force/,
    );
    expect(() => guardTensorWork({ queries: 4096, keys1: 4097, keys2: 4097, width: 40 }, true)).not.toThrow();
  });
  it('round-trips through its JSON form; bad shapes name the field', () => {
    const t = randomTensor(makeRng(5), 2, 3, 2, 2, 1);
    const text = serializeInstance({ problem: 'tensor-attention', data: t });
    const back = parseInstance(Buffer.from(text), 't.json');
    expect(back.problem).toBe('tensor-attention');
    expect(Array.from(evaluateTensorAttention(back.data as TensorAttentionInstance))).toEqual(Array.from(evaluateTensorAttention(t)));
    const j = JSON.parse(text) as { K2: number[][] };
    j.K2.pop();
    expect(() => parseInstance(Buffer.from(JSON.stringify(j)), 't.json')).toThrow(/t\.json: field K2: expected 2 rows \(config\.keys2\), found 1/);
  });
});

describe('3ov-to-tensor-attention', () => {
  const tov = (A: string[], B: string[], C: string[]): ThreeOvInstance => {
    const d = A[0]!.length;
    const bm = (rows: string[]) => {
      const m = emptyBitMatrix(rows.length, d);
      rows.forEach((r, i) => [...r].forEach((ch, k) => setBit(m, i, k, ch === '1' ? 1 : 0)));
      return m;
    };
    return { dim: d, A: bm(A), B: bm(B), C: bm(C) };
  };
  it('scores each (a, b, c) by −β·Σ a·b·c, the dummy pair by −β/2, mixed pairs by −2β; entries 2∛β', () => {
    const src = tov(['110', '011'], ['101', '111'], ['010', '001', '100']);
    const t = forwardStep(byId('3ov-to-tensor-attention'), src, {}, defaultBudget()).target as TensorAttentionInstance;
    const beta = t.annotations.beta as number;
    const m = t.width;
    const score = (i: number, j: number, k: number): number => {
      let s = 0;
      for (let c = 0; c < m; c++) s += t.Q[i * m + c]! * t.K1[j * m + c]! * t.K2[k * m + c]!;
      return s;
    };
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++)
        for (let k = 0; k < 3; k++) {
          let abc = 0;
          for (let c = 0; c < 3; c++) abc += getBit(src.A, i, c) * getBit(src.B, j, c) * getBit(src.C, k, c);
          expect(score(i, j, k)).toBeCloseTo(-beta * abc, 9);
        }
    expect(score(0, 2, 3)).toBeCloseTo(-beta / 2, 9);
    expect(score(1, 0, 3)).toBeCloseTo(-2 * beta, 9);
    expect(score(1, 2, 1)).toBeCloseTo(-2 * beta, 9);
    expect(Math.max(...Array.from(t.Q, Math.abs))).toBeCloseTo(2 * Math.cbrt(beta), 12);
  });
  it('seth check F.cnf --to tensor-attention, and a 3-OV file: right answers, verified witnesses', async () => {
    const sat = await seth(['check', `${INSTANCES}/tiny-sat.cnf`, '--to', 'tensor-attention']);
    expectOk(expect, sat);
    expect(sat.stdout).toMatch(/chain\s+ksat-to-3ov → 3ov-to-tensor-attention/);
    expect(sat.stdout).toMatch(/witness .*✓ verified/);
    expect(sat.stdout).toMatch(/max\|entry\|\/∛log₂n/);
    const unsat = await seth(['check', `${INSTANCES}/tiny-unsat.cnf`, '--to', 'tensor-attention']);
    expectOk(expect, unsat);
    expect(unsat.stdout).toMatch(/oracle\s+UNSAT .*✓ agree/);
    const planted = await seth(['check', `${INSTANCES}/3ov-planted.json`, '--to', 'tensor-attention']);
    expectOk(expect, planted);
    expect(planted.stdout).toMatch(/witness .*✓ verified/);
  });
});

describe('k-OV', () => {
  const randomKov = (rng: Rng, k: number, d: number): KovInstance => ({
    dim: d,
    sets: Array.from({ length: k }, () => {
      const rows = 1 + rng.int(3);
      const s = emptyBitMatrix(rows, d);
      for (let r = 0; r < rows; r++) for (let c = 0; c < d; c++) setBit(s, r, c, rng.bool(0.7) ? 1 : 0);
      return s;
    }),
  });
  const naive = (inst: KovInstance): boolean => {
    const rec = (level: number, pick: number[]): boolean =>
      level === inst.sets.length
        ? verifyKovWitness(inst, pick)
        : Array.from({ length: inst.sets[level]!.rows }, (_, r) => r).some((r) => rec(level + 1, [...pick, r]));
    return rec(0, []);
  };
  it('the oracle agrees with naive enumeration, and its witnesses verify', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 2, max: 5 }), fc.integer({ min: 0, max: 40 }), (seed, k, d) => {
        const inst = randomKov(makeRng(seed), k, d);
        const sol = solveKovBrute(inst);
        expect(sol.answer === 'YES').toBe(naive(inst));
        if (sol.witness) expect(verifyKovWitness(inst, sol.witness)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
  it('ksat-to-ov and ksat-to-3ov are the k = 2 and k = 3 cases of ksat-to-kov (the same vectors)', () => {
    const cnf = cnfFromClauses(7, [
      [1, -2, 3],
      [-4, 5],
      [6, -7, 2],
      [-1, 7],
      [3, 4, -5],
    ]);
    const kov2 = forwardStep(byId('ksat-to-kov'), cnf, { k: 2 }, defaultBudget()).target as KovInstance;
    const ov = forwardStep(byId('ksat-to-ov'), cnf, {}, defaultBudget()).target as OvInstance;
    expect(kov2.sets.map(bitMatrixToStrings)).toEqual([ov.A, ov.B].map(bitMatrixToStrings));
    const kov3 = forwardStep(byId('ksat-to-kov'), cnf, { k: 3 }, defaultBudget()).target as KovInstance;
    const t = forwardStep(byId('ksat-to-3ov'), cnf, { v3: 2, split: 3 }, defaultBudget()).target as ThreeOvInstance;
    expect(kov3.sets.map(bitMatrixToStrings)).toEqual([t.A, t.B, t.C].map(bitMatrixToStrings));
  });
  it('k-OV files round-trip; k < 2 is refused naming the field', () => {
    const inst = randomKov(makeRng(1), 4, 5);
    const back = parseInstance(Buffer.from(serializeInstance({ problem: 'kov', data: inst })), 'k.json');
    expect((back.data as KovInstance).sets.map(bitMatrixToStrings)).toEqual(inst.sets.map(bitMatrixToStrings));
    expect(() => parseInstance(Buffer.from('{"problem":"kov","dim":1,"sets":[["1"]]}'), 'k.json')).toThrow(/k\.json: field sets: expected k ≥ 2 sets/);
  });
  it('seth reduce --to kov --k 4 and seth solve decide a CNF', async () => {
    const r = await seth(['reduce', `${INSTANCES}/tiny-sat.cnf`, '--to', 'kov', '--k', '4']);
    expectOk(expect, r);
    const j = JSON.parse(r.stdout) as { problem: string; sets: string[][] };
    expect(j.problem).toBe('kov');
    expect(j.sets).toHaveLength(4);
    expectUserError(expect, await seth(['reduce', `${INSTANCES}/tiny-sat.cnf`, '--to', 'kov', '--k', '1']), '--k');
  });
});
