import { REDUCTIONS } from '../reductions/index.js';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkDecision } from '../src/check/run.js';
import { UserError } from '../src/errors.js';
import { loadInstance } from '../src/io/instance-file.js';
import { findGenerator } from '../src/generators/index.js';
import { cnfFromClauses } from '../src/problems/ksat.js';
import { makeRng } from '../src/rng.js';
import { evaluateCnf, type Assignment } from '../src/problems/ksat.js';
import { PROJECT_ROOT } from '../src/version.js';
import { ovArbitrary } from '../src/testing/arbitraries/ov.js';
import { threeOvArbitrary } from '../src/testing/arbitraries/three-ov.js';
import { cnfArbitrary } from '../src/testing/arbitraries/cnf.js';
import { defaultBudget } from '../src/memory.js';
import { DEFAULT_ENGINE, ENGINES, createEngine } from '../src/engine/registry.js';

const SATLIB = join(PROJECT_ROOT, '..', 'shared', 'data', 'satlib');
// The default engine decides (as a user's run would); SETH_TEST_ENGINE=reference|onnx reruns it on another.
const ENGINE = process.env.SETH_TEST_ENGINE ?? DEFAULT_ENGINE;

/** A DIMACS witness (v or −v per variable) as an assignment: decoded here, independently of the checker. */
function literalsToAssignment(vars: number, lits: readonly number[]): Assignment {
  const a = new Uint8Array(vars);
  for (const l of lits) if (l > 0 && l <= vars) a[l - 1] = 1;
  return a;
}

describe('SATLIB uf20-91 through the transformer (L·H = 4)', () => {
  const files = readdirSync(join(SATLIB, 'uf20-91')).filter((f) => f.endsWith('.cnf'));
  it('has all 100 files', () => expect(files).toHaveLength(100));
  // Split into batches so the two test workers share the load.
  const batches = [0, 1, 2, 3].map((b) => files.filter((_, i) => i % 4 === b));
  batches.forEach((batch, b) => {
    it(`decides batch ${b + 1}/4 SAT with verified witnesses`, async () => {
      for (const f of batch) {
        const inst = loadInstance(join(SATLIB, 'uf20-91', f));
        const r = await checkDecision(inst, { reductions: REDUCTIONS, layers: 2, heads: 2, engine: ENGINE });
        expect({ f, answer: r.answer, agree: r.agree, verified: r.witnessVerified }).toEqual({ f, answer: 'SAT', agree: true, verified: true });
        // The witness is checked once more here, against the formula, independently of the checker.
        expect(evaluateCnf(inst.data as never, literalsToAssignment(20, r.witness as number[])).satisfied).toBe(true);
        expect(r.margin).toBeGreaterThanOrEqual(0.4);
        expect(r.robustToOutputError).toBe(true);
      }
    });
  });
});

describe('PHP(5,4): 20 variables, UNSAT through the transformer', () => {
  it('decodes UNSAT and agrees with MiniSat', async () => {
    const g = findGenerator('php')!;
    const inst = g.generate({ pigeons: 5, holes: 4 }, makeRng(0), 'test', defaultBudget());
    const r = await checkDecision(inst, { reductions: REDUCTIONS, layers: 2, heads: 2, engine: ENGINE });
    expect(r.answer).toBe('UNSAT');
    expect(r.oracle).toBe('UNSAT');
    expect(r.agree).toBe(true);
    expect(r.witness).toBeNull();
    expect(r.margin).toBeGreaterThanOrEqual(0.4);
    expect(r.robustToOutputError).toBe(true);
    expect(r.params).toMatchObject({ tokens: 1025, width: 49, layers: 2, heads: 2 });
  });
});

describe('decision margin and robustness on random instances', () => {
  it('k-SAT through 3-OV: margin ≥ 0.4, robust to ±1/(10n), agrees, witness verifies', async () => {
    await fc.assert(
      fc.asyncProperty(
        cnfArbitrary({ maxVars: 8, maxClauses: 20, maxWidth: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        async (cnf, L, H) => {
          const r = await checkDecision({ problem: 'ksat', data: cnf }, { reductions: REDUCTIONS, layers: L, heads: H });
          expect(r.agree).toBe(true);
          expect(r.margin).toBeGreaterThanOrEqual(0.4);
          expect(r.robustToOutputError).toBe(true);
          if (r.answer === 'SAT') expect(r.witnessVerified).toBe(true);
          r.steps.forEach((s) => expect(s.matches).toBe(true));
        },
      ),
      { numRuns: 60 },
    );
  });
  it('OV through one attention head and through 3-OV', async () => {
    await fc.assert(
      fc.asyncProperty(ovArbitrary({ maxSize: 8, maxDim: 8 }), fc.constantFrom('attention' as const, 'transformer' as const), async (o, to) => {
        const r = await checkDecision({ problem: 'ov', data: o }, { reductions: REDUCTIONS, to });
        expect(r.agree).toBe(true);
        expect(r.margin).toBeGreaterThanOrEqual(0.4);
        expect(r.robustToOutputError).toBe(true);
        if (r.answer === 'YES') expect(r.witnessVerified).toBe(true);
      }),
      { numRuns: 60 },
    );
  });
  it('3-OV with padding heads (L·H > |C|)', async () => {
    await fc.assert(
      fc.asyncProperty(threeOvArbitrary({ maxSize: 6, maxC: 3, maxDim: 6 }), async (o) => {
        const r = await checkDecision({ problem: '3ov', data: o }, { reductions: REDUCTIONS, layers: 2, heads: 2 });
        expect(r.agree).toBe(true);
        expect(r.margin).toBeGreaterThanOrEqual(0.4);
        if (r.answer === 'YES') expect(r.witnessVerified).toBe(true);
      }),
      { numRuns: 40 },
    );
  });
});

describe('witness recovery uses O(log) extra single-row evaluations', () => {
  it('stays within log₂(LH) + log₂|B| + 1 rounds', async () => {
    const g = findGenerator('ksat')!;
    const inst = g.generate({ vars: 14, clauses: 40, k: 3, planted: true }, makeRng(3), 'test', defaultBudget());
    const r = await checkDecision(inst, { reductions: REDUCTIONS, layers: 2, heads: 4 });
    expect(r.answer).toBe('SAT');
    const sizeB = r.steps[0]!.declared.sizeB!;
    expect(r.recovery.rounds).toBeLessThanOrEqual(Math.ceil(Math.log2(8)) + Math.ceil(Math.log2(sizeB)) + 1);
    expect(r.recovery.fractionOfForwardPairs).toBeLessThan(0.05);
  });
});

describe('refusing work that would not fit in memory', () => {
  it('k-SAT with 60 variables is refused before any allocation, with the estimate and --force', async () => {
    const cnf = cnfFromClauses(60, [
      [1, 2, 3],
      [-59, 60],
      [30, -31],
    ]);
    const t = Date.now();
    const err = await checkDecision({ problem: 'ksat', data: cnf }, { reductions: REDUCTIONS, layers: 2, heads: 2, budget: defaultBudget(false) }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/refusing .*about .*(TiB|PiB|GiB).*--force/);
    expect(Date.now() - t).toBeLessThan(2000);
  });
  it('a transformer file has no answer of its own to check', async () => {
    const cnf = cnfFromClauses(2, [[1, 2]]);
    const { runForward } = await import('../src/reduction/chain.js');
    const { REDUCTIONS } = await import('../reductions/index.js');
    const chain = REDUCTIONS.filter((r) => r.id === 'ksat-to-3ov' || r.id === '3ov-to-transformer');
    const steps = runForward(chain, cnf, {}, defaultBudget());
    await expect(checkDecision({ problem: 'transformer', data: steps[1]!.target as never }, { reductions: REDUCTIONS })).rejects.toThrow(UserError);
  });
});

describe('every registered engine and dtype decides the chain identically', () => {
  const cases = [
    ...['uf20-01.cnf', 'uf20-02.cnf', 'uf20-03.cnf'].map((f) => ({ name: f, load: () => loadInstance(join(SATLIB, 'uf20-91', f)) })),
    { name: 'PHP(5,4)', load: () => findGenerator('php')!.generate({ pigeons: 5, holes: 4 }, makeRng(0), 'test', defaultBudget()) },
    { name: 'planted OV', load: () => loadInstance(join(PROJECT_ROOT, 'instances', 'ov-planted.json')) },
  ];
  // Approximate engines run at their declared exact limit. poly (degree 200), performer (4096
  // random features) and nystrom (exact pseudo-inverse, whose M is near-singular here) are exact in
  // that limit only on bounded entries, not on these instances' Θ(log n) entries: that failure is
  // what `seth arena` measures, so they are left out here.
  const boundedOnly = new Set(['poly', 'performer', 'nystrom']);
  const combos = ENGINES.filter((e) => !boundedOnly.has(e.name)).flatMap((e) =>
    e.dtypes.map((dtype) => ({ engine: e.name, dtype, options: e.kind === 'approximate' ? { ...e.exactLimit.options } : {} })),
  );
  it.each(combos)('$engine $dtype', async ({ engine, dtype, options }) => {
    // An optional engine that cannot start here (e.g. onnxruntime-node not installed) is skipped, loudly.
    const probe = await createEngine(engine, dtype, { budget: defaultBudget(), options });
    await probe.engine.close?.();
    if (probe.fallbackReason) {
      console.warn(`skipping ${engine} ${dtype}: ${probe.fallbackReason}`);
      return;
    }
    for (const c of cases) {
      const r = await checkDecision(c.load(), { reductions: REDUCTIONS, layers: 2, heads: 2, engine, dtype, engineOptions: options });
      // The engine that actually ran (no silent fallback) and the answer it led to.
      expect({ case: c.name, engine: r.engine, dtype: r.dtype, fallback: r.engineFallback }).toEqual({ case: c.name, engine, dtype, fallback: undefined });
      expect({ case: c.name, agree: r.agree, robust: r.robustToOutputError }).toEqual({ case: c.name, agree: true, robust: true });
      if (r.answer === 'SAT' || r.answer === 'YES') expect(r.witnessVerified).toBe(true);
      expect(r.margin).toBeGreaterThanOrEqual(0.4);
    }
  });
});
