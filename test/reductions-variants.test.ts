import { describe, expect, it } from 'vitest';
import { REDUCTIONS } from '../reductions/index.js';
import { evaluateReference } from '../src/engine/reference.js';
import { makeHeadProbe } from '../src/engine/probe.js';
import { defaultBudget } from '../src/memory.js';
import { bitMatrixFromStrings } from '../src/problems/bit-matrix.js';
import { verifyThreeOvWitness, type ThreeOvInstance } from '../src/problems/three-ov.js';
import type { TransformerModel } from '../src/problems/transformer.js';
import { decideStep, forwardStep, runBackward } from '../src/reduction/chain.js';
import { chainName, findPaths, resolveChain } from '../src/reduction/path.js';
import { expectOk, expectUserError, INSTANCES, seth } from './helpers/cli.js';

/** The causal and multi-query forms of the 3-OV gadget (beyond the generic closed loop they also pass). */
const tov = (A: string[], B: string[], C: string[]): ThreeOvInstance => {
  const d = A[0]!.length;
  return { dim: d, A: bitMatrixFromStrings(A, d), B: bitMatrixFromStrings(B, d), C: bitMatrixFromStrings(C, d) };
};
const byId = (id: string) => REDUCTIONS.find((r) => r.id === id)!;
const model = (id: string, source: ThreeOvInstance, opts: Record<string, unknown>): TransformerModel =>
  forwardStep(byId(id), source, opts, defaultBudget()).target as TransformerModel;

describe('3ov-to-causal-transformer', () => {
  const yes = tov(['110', '011'], ['101', '111'], ['010', '001', '100']);
  it('emits a causal model with tokens B, dummy, A', () => {
    const m = model('3ov-to-causal-transformer', yes, { layers: 2, heads: 2 });
    expect(m.causal).toBe(true);
    expect(m.annotations).toMatchObject({ bTokens: '0..1', dummyToken: 2, aTokens: '3..4' });
    const d = 3;
    // Flags: B tokens carry isB (coordinate d+1), the dummy isDummy (d+2), A tokens isA (d).
    expect([0, 1].map((t) => m.X[t * m.width + d + 1])).toEqual([1, 1]);
    expect(m.X[2 * m.width + d + 2]).toBe(1);
    expect([3, 4].map((t) => m.X[t * m.width + d])).toEqual([1, 1]);
  });
  it('the order matters: the same tokens A, B, dummy under a causal mask lose the answer', () => {
    // With A first, A queries see no B key at all, so every acc stays ≈ 0 on a YES instance.
    const plain = model('3ov-to-transformer', yes, { layers: 2, heads: 2 });
    const acc = plain.width - 1;
    const masked = evaluateReference({ ...plain, causal: true }).output;
    const max = Math.max(...[0, 1].map((i) => masked[i * plain.width + acc]!));
    expect(max).toBeLessThan(0.5);
    const causal = model('3ov-to-causal-transformer', yes, { layers: 2, heads: 2 });
    const out = evaluateReference(causal).output;
    expect(Math.max(...[3, 4].map((t) => out[t * causal.width + acc]!))).toBeGreaterThan(0.5);
  });
  it('decides and recovers the witness as the full model does', () => {
    const r = byId('3ov-to-causal-transformer');
    const step = forwardStep(r, yes, { layers: 1, heads: 3 }, defaultBudget());
    const output = evaluateReference(step.target as TransformerModel).output;
    const [sol] = runBackward(
      [step],
      { output, engine: 'reference', dtype: 'f64' },
      { budget: defaultBudget(), probe: makeHeadProbe() },
      decideStep(step, output),
    ) as [{ answer: string; witness: number[] }];
    expect(sol.answer).toBe('YES');
    expect(verifyThreeOvWitness(yes, sol.witness as [number, number, number])).toBe(true);
  });
  it('is ranked after the plain chain of the same length, and chosen with --via', () => {
    const names = findPaths(REDUCTIONS, 'ksat', 'transformer').map(chainName);
    expect(names.slice(0, 2)).toEqual(['ksat-to-3ov → 3ov-to-transformer', 'ksat-to-3ov → 3ov-to-causal-transformer']);
    expect(resolveChain(REDUCTIONS, 'ksat', 'transformer').map((r) => r.id)).toEqual(['ksat-to-3ov', '3ov-to-transformer']);
    expect(resolveChain(REDUCTIONS, 'ksat', 'transformer', ['ksat-to-3ov', '3ov-to-causal-transformer']).map((r) => r.id)).toEqual([
      'ksat-to-3ov',
      '3ov-to-causal-transformer',
    ]);
  });
});

describe('multi-query / grouped-query declaration (--kv-groups)', () => {
  it('3ov-to-transformer with kvGroups 1 declares MQA; X_L is unchanged (the gadget already shares K, V)', () => {
    const src = tov(['110', '011'], ['101', '111'], ['010', '001', '100', '011']);
    const plain = model('3ov-to-transformer', src, { layers: 2, heads: 2 });
    const mqa = model('3ov-to-transformer', src, { layers: 2, heads: 2, kvGroups: 1 });
    expect(mqa.kvGroups).toBe(1);
    expect(Array.from(evaluateReference(mqa).output)).toEqual(Array.from(evaluateReference(plain).output));
  });
  it('refuses a K/V group count that does not divide the heads', () => {
    expect(() => model('3ov-to-transformer', tov(['1'], ['1'], ['1', '0']), { layers: 1, heads: 2, kvGroups: 3 })).toThrow(
      /--kv-groups: 3 K\/V groups do not divide the 2 heads/,
    );
  });
});

describe('CLI: the causal and MQA chains', () => {
  it('seth check --via …3ov-to-causal-transformer decides with a verified witness', async () => {
    const r = await seth([
      'check',
      `${INSTANCES}/tiny-sat.cnf`,
      '--via',
      'ksat-to-3ov,3ov-to-causal-transformer',
      '--layers',
      '2',
      '--heads',
      '2',
      '--engine',
      'reference',
    ]);
    expectOk(expect, r);
    expect(r.stdout).toMatch(/chain\s+ksat-to-3ov → 3ov-to-causal-transformer/);
    expect(r.stdout).toMatch(/· causal/);
    expect(r.stdout).toMatch(/witness .*✓ verified/);
  });
  it('seth check --kv-groups 1 reports the MQA model and decides UNSAT right', async () => {
    const r = await seth(['check', `${INSTANCES}/tiny-unsat.cnf`, '--kv-groups', '1', '--engine', 'reference']);
    expectOk(expect, r);
    expect(r.stdout).toMatch(/· 1 K\/V group\(s\)/);
    expect(r.stdout).toMatch(/oracle\s+UNSAT .*✓ agree/);
  });
  it('--kv-groups 0 is a one-line usage error', async () => {
    expectUserError(expect, await seth(['check', `${INSTANCES}/tiny-sat.cnf`, '--kv-groups', '0']), '--kv-groups');
  });
});
