import { z } from 'zod';
import { UserError } from '../errors.js';
import { guardMemory, type Footprint, type MemoryBudget } from '../memory.js';
import { evaluateCnf, type Cnf } from '../problems/ksat.js';
import { MINISAT_ORACLE, minisatSizeEstimate, solveWithMinisat } from '../oracles/minisat.js';
import { makeProvenance, type Expected } from '../provenance.js';
import { sampleDistinct, type Rng } from '../rng.js';
import { defineGenerator } from './types.js';
import { flag, flagOption, intOption } from './options.js';

/**
 * Uniform random k-CNF: `clauses` distinct clauses (as sets of literals), each over k distinct
 * variables of 1..vars with uniform signs, literals sorted by variable. Every set of m distinct
 * clauses is equally likely.
 *  - plain: SAT/UNSAT computed by MiniSat (marked `oracle`); not labelled when vars > 5000;
 *  - `planted`: a hidden assignment is drawn first and only clauses it satisfies are kept
 *    (rejection sampling): SAT by construction. The assignment is not recorded (it would give the
 *    answer away in a benchmark); only `planted: true` is.
 */
export interface RandomKsatOptions extends Record<string, unknown> {
  vars: number;
  clauses: number;
  k: number;
  planted: boolean;
}

/**
 * Unplanted formulas with more variables are left unlabelled: near the threshold (m/n ≈ 4.26)
 * logic-solver's MiniSat took ≈ 1 s at n = 200 but ≈ 240 s at n = 300 on this machine, and `seth gen`
 * should not appear to hang. `seth solve` labels such a file on request.
 */
export const KSAT_ORACLE_MAX_VARS = 200;

/** C(n, k) as a float (Infinity when it overflows). */
function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  const kk = Math.min(k, n - k);
  let r = 1;
  for (let i = 1; i <= kk && Number.isFinite(r); i++) r = (r * (n - kk + i)) / i;
  return Math.round(r);
}

/** How many distinct clauses of width k over n variables exist (planted: satisfied by a fixed assignment). */
export function distinctClauseCount(n: number, k: number, planted: boolean): number {
  return binomial(n, k) * (planted ? 2 ** k - 1 : 2 ** k);
}

const flags = z.object({
  vars: flag(intOption('vars', 1, 0x7fffffff), 'number of variables n'),
  clauses: flag(intOption('clauses', 0, 0x7fffffff), 'number of clauses m (distinct; at most C(n,k)·2^k)'),
  k: flag(intOption('k', 1, 0x7fffffff).default(3), 'clause width (distinct variables per clause, k ≤ n)'),
  planted: flag(flagOption('planted'), 'keep only clauses satisfied by a hidden random assignment (SAT by construction)'),
});

const schema: z.ZodType<RandomKsatOptions> = flags
  .superRefine((o, ctx) => {
    if (o.k > o.vars) {
      ctx.addIssue({
        code: 'custom',
        path: ['k'],
        message: `--k ${o.k} exceeds --vars ${o.vars}: a clause has k distinct variables, so k ≤ vars`,
      });
      return;
    }
    const max = distinctClauseCount(o.vars, o.k, o.planted);
    if (o.clauses > max) {
      ctx.addIssue({
        code: 'custom',
        path: ['clauses'],
        message:
          `--clauses ${o.clauses} exceeds the ${max} distinct clauses of width ${o.k} over ${o.vars} variables` +
          (o.planted ? ' satisfied by a planted assignment' : '') +
          ' (clauses are never repeated)',
      });
    }
  })
  .transform((o): RandomKsatOptions => ({ vars: o.vars, clauses: o.clauses, k: o.k, planted: o.planted }));

/** Enumerate all clauses (sorted variables, every sign pattern), optionally only those `hidden` satisfies. */
function allClauses(n: number, k: number, hidden: Uint8Array | null): Int32Array[] {
  const out: Int32Array[] = [];
  const vars = new Int32Array(k);
  const rec = (start: number, depth: number): void => {
    if (depth === k) {
      for (let s = 0; s < 1 << k; s++) {
        const c = new Int32Array(k);
        let sat = false;
        for (let t = 0; t < k; t++) {
          const v = vars[t]!;
          const positive = ((s >>> t) & 1) === 1;
          c[t] = positive ? v : -v;
          if (hidden && (hidden[v - 1] === 1) === positive) sat = true;
        }
        if (!hidden || sat) out.push(c);
      }
      return;
    }
    for (let v = start; v <= n - (k - depth) + 1; v++) {
      vars[depth] = v;
      rec(v + 1, depth + 1);
    }
  };
  rec(1, 0);
  return out;
}

/**
 * `seth gen ksat` at its peak, calibrated against peak RSS (test/memory-calibration.test.ts):
 * off the heap the literal and offset arrays, the hidden assignment and MiniSat's share when it
 * labels the formula; on the heap the set of clause keys that rejects repeats (a string of k
 * numbers and a set entry per clause: 61 bytes per 3-clause over 10⁵ variables, measured; the
 * dense regime's pool of every allowed clause instead), for a JSON file 16 bytes per clause of
 * short-lived row views, and V8's young generation, which grows with the allocation rate to about
 * 40 MiB. Writing and fingerprinting stream from the typed arrays (no per-clause arrays).
 */
export function randomKsatFootprint(options: RandomKsatOptions, format: 'auto' | 'json'): Footprint {
  const { vars: n, clauses: m, k, planted } = options;
  const max = distinctClauseCount(n, k, planted);
  const dense = 2 * Math.min(m, max) > max;
  const keyChars = k * (String(n).length + 2);
  const lits = m * k;
  const oracle = !planted && n <= KSAT_ORACLE_MAX_VARS ? minisatSizeEstimate(n, m, lits) : 0;
  const youngGeneration = Math.min(40 * 2 ** 20, 200 * m);
  return {
    offHeapBytes: 4 * lits + 4 * (m + 1) + n + oracle,
    heapBytes: (dense ? max * (k * 4 + 64) : m * (56 + keyChars)) + (format === 'json' ? 16 * m : 0) + youngGeneration,
  };
}

export function generateRandomKsat(options: RandomKsatOptions, rng: Rng, command: string, budget: MemoryBudget, id = 'ksat'): Cnf {
  const { vars: n, clauses: m, k, planted } = options;
  const max = distinctClauseCount(n, k, planted);
  if (m > max) throw new UserError(`cannot draw ${m} distinct clauses of width ${k} over ${n} variables: there are only ${max}`);
  // Dense regime (more than half of all allowed clauses wanted): enumerate them all and take a
  // uniform m-subset. Otherwise rejection sampling needs fewer than 1.4 draws per clause.
  const dense = 2 * m > max;
  guardMemory(`generating random ${k}-SAT with ${n} variables and ${m} clauses`, m * (k * 12 + 96) + (dense ? max * (k * 4 + 64) : 0) + n * 2 + 64, budget);

  const hidden = planted ? Uint8Array.from({ length: n }, () => (rng.bool() ? 1 : 0)) : null;
  const lits = new Int32Array(m * k);
  const offsets = new Uint32Array(m + 1);
  for (let i = 0; i <= m; i++) offsets[i] = i * k;

  if (dense) {
    // Partial Fisher–Yates over every allowed clause.
    const pool = allClauses(n, k, hidden);
    for (let i = 0; i < m; i++) {
      const j = i + rng.int(pool.length - i);
      const t = pool[i]!;
      pool[i] = pool[j]!;
      pool[j] = t;
      lits.set(pool[i]!, i * k);
    }
  } else {
    // Sparse regime: draw uniform clauses, reject repeats (and, when planted, clauses the hidden
    // assignment falsifies). At most half of the pool is taken, so few draws are wasted.
    const seen = new Set<string>();
    const c = new Int32Array(k);
    let i = 0;
    while (i < m) {
      const vs = sampleDistinct(rng, n, k).sort((x, y) => x - y);
      let sat = false;
      for (let t = 0; t < k; t++) {
        const v = vs[t]! + 1;
        const positive = rng.bool();
        c[t] = positive ? v : -v;
        if (hidden && (hidden[v - 1] === 1) === positive) sat = true;
      }
      if (hidden && !sat) continue;
      const key = c.join(',');
      if (seen.has(key)) continue;
      seen.add(key);
      lits.set(c, i * k);
      i++;
    }
  }

  const cnf: Cnf = { vars: n, lits, offsets };
  let expected: Expected | undefined;
  if (hidden) {
    if (!evaluateCnf(cnf, hidden).satisfied) throw new Error('internal: planted assignment falsifies a clause');
    expected = { answer: 'SAT', source: 'construction' };
  } else if (n <= KSAT_ORACLE_MAX_VARS) {
    expected = { answer: solveWithMinisat(cnf).answer, source: 'oracle', oracle: MINISAT_ORACLE };
  }
  cnf.provenance = makeProvenance(id, rng.seed, { ...options }, expected, command);
  return cnf;
}

export const randomKsatGenerator = defineGenerator<RandomKsatOptions>({
  id: 'ksat',
  problem: 'ksat',
  summary:
    'uniform random k-CNF, distinct clauses over k distinct variables; --planted: SAT by construction; ' +
    'otherwise labelled by MiniSat (3-SAT is hard near clauses/vars ≈ 4.27)',
  flags,
  schema,
  usesSeed: true,
  examples: [
    { vars: 12, clauses: 40, k: 3, planted: false },
    { vars: 20, clauses: 91, k: 3, planted: false },
    { vars: 10, clauses: 60, k: 4, planted: true },
    { vars: 4, clauses: 30, k: 3, planted: false },
    { vars: 5, clauses: 8, k: 1, planted: false },
  ],
  variations: [{ vars: 13 }, { clauses: 41 }, { k: 2 }, { planted: true }],
  generate(options, rng, command, budget) {
    return { problem: 'ksat', data: generateRandomKsat(options, rng, command, budget) };
  },
  footprint: randomKsatFootprint,
});
