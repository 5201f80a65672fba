import { matmul } from '../engine/reference.js';
import type { MemoryBudget } from '../memory.js';
import { getBit } from '../problems/bit-matrix.js';
import { buildInstance } from './suites.js';

/**
 * The selector suite (Takakura and Suzuki, ICML 2023: attention works by selecting the important
 * tokens, input by input). On YES instances of ov-to-attention with many orthogonal pairs, for
 * each A-token query a: the softmax mass the head puts on the witness keys (the b with ⟨a, b⟩ = 0),
 * on the dummy, and on everything else, as β grows to the reduction's bound; and which key each
 * query selects (its largest weight). At the bound the head is near its hardmax limit: a query
 * with witnesses puts ≈ all its mass on them (split evenly: equal scores), one without on the dummy.
 */
export interface SelectorConfig {
  size: number;
  dim: number;
  density: number;
  betas: (number | 'bound')[];
  seed: number;
}

export const SELECTOR_DEFAULT: SelectorConfig = { size: 32, dim: 10, density: 0.5, betas: [0.5, 1, 2, 4, 8, 16, 'bound'], seed: 0 };

export interface SelectorRow {
  beta: number;
  betaBound: number;
  query: number;
  witnesses: number;
  witnessMass: number;
  dummyMass: number;
  restMass: number;
  /** the key with the largest weight: "b<j>", "dummy" or "a<i>" */
  selected: string;
  selectedMass: number;
}

export function runSelector(c: SelectorConfig, budget: MemoryBudget): SelectorRow[] {
  const rows: SelectorRow[] = [];
  for (const b of c.betas) {
    const inst = buildInstance(
      {
        kind: 'chain',
        family: 'ov-yes',
        generator: 'ov',
        params: { size: c.size, dim: c.dim, density: c.density, plant: false, no: false },
        seed: c.seed,
        to: 'attention',
        reductionOptions: b === 'bound' ? {} : { beta: b },
      },
      budget,
    );
    if (inst.source?.problem !== 'ov') throw new Error('selector: expected an OV source');
    const ov = inst.source.data;
    const model = inst.model;
    const { tokens: n, width: m } = model;
    const w = model.weights[0]![0]!;
    const Q = matmul(model.X, n, m, w.Q, m);
    const K = matmul(model.X, n, m, w.K, m);
    const nA = ov.A.rows;
    const nB = ov.B.rows;
    const beta = Number(model.annotations.beta);
    const betaBound = Number(model.annotations.betaBound);
    for (let i = 0; i < nA; i++) {
      const s = new Float64Array(n);
      let mx = -Infinity;
      for (let j = 0; j < n; j++) {
        let dot = 0;
        for (let t = 0; t < m; t++) dot += Q[i * m + t]! * K[j * m + t]!;
        s[j] = model.scale * dot;
        mx = Math.max(mx, s[j]!);
      }
      let z = 0;
      for (let j = 0; j < n; j++) z += Math.exp(s[j]! - mx);
      let witnessMass = 0;
      let witnesses = 0;
      let restMass = 0;
      let best = -1;
      for (let j = 0; j < n; j++) {
        const p = Math.exp(s[j]! - mx) / z;
        if (best < 0 || p > Math.exp(s[best]! - mx) / z) best = j;
        if (j >= nA && j < nA + nB) {
          let orth = true;
          for (let k = 0; k < ov.dim && orth; k++) if (getBit(ov.A, i, k) && getBit(ov.B, j - nA, k)) orth = false;
          if (orth) {
            witnessMass += p;
            witnesses++;
            continue;
          }
        }
        if (j !== n - 1) restMass += p;
      }
      const dummyMass = Math.exp(s[n - 1]! - mx) / z;
      rows.push({
        beta,
        betaBound,
        query: i,
        witnesses,
        witnessMass,
        dummyMass,
        restMass,
        selected: best === n - 1 ? 'dummy' : best >= nA ? `b${best - nA}` : `a${best}`,
        selectedMass: Math.exp(s[best]! - mx) / z,
      });
    }
  }
  return rows;
}
