import { describe, expect, it } from 'vitest';
import { REDUCTIONS } from '../reductions/index.js';
import { evaluateReference } from '../src/engine/reference.js';
import { defaultBudget } from '../src/memory.js';
import { bitMatrixFromStrings } from '../src/problems/bit-matrix.js';
import { maxAbsEntry, type TransformerModel } from '../src/problems/transformer.js';
import { runForward } from '../src/reduction/chain.js';

/** A small OV instance: a = 10, b's 01 and 11 (a ⊥ 01: YES); C = {11} for 3-OV. */
const ov = () => ({ dim: 2, A: bitMatrixFromStrings(['10'], 2), B: bitMatrixFromStrings(['01', '11'], 2) });
const threeOv = () => ({ ...ov(), C: bitMatrixFromStrings(['11'], 2) });

const build = (
  id: string,
  source: unknown,
  options: Record<string, unknown>,
): { model: TransformerModel; declared: Record<string, number>; measured: Record<string, number> } => {
  const r = REDUCTIONS.find((x) => x.id === id)!;
  const [step] = runForward([r], source, options, defaultBudget());
  return { model: step!.target as TransformerModel, declared: step!.declared, measured: step!.measured };
};

describe.each([
  ['ov-to-attention', ov],
  ['3ov-to-transformer', threeOv],
] as const)('%s: beta and balance options', (id, source) => {
  it('the default β is the correctness bound, annotated as such', () => {
    const { model } = build(id, source(), {});
    expect(model.annotations.beta).toBe(model.annotations.betaBound);
    expect(model.annotations.betaBelowBound).toBeUndefined();
    expect(maxAbsEntry(model)).toBe(model.annotations.beta);
  });

  it('beta overrides β; below the bound it is marked; the declared max entry is measured', () => {
    const { model, declared, measured } = build(id, source(), { beta: 3 });
    expect(model.annotations.beta).toBe(3);
    expect(String(model.annotations.betaBelowBound)).toMatch(/β = 3 < 2⌈log₂\(40nLH\)⌉ = \d+/);
    expect(declared.maxAbsEntry).toBe(measured.maxAbsEntry);
    expect(maxAbsEntry(model)).toBe(3);
    expect(build(id, source(), { beta: 1 }).declared.maxAbsEntry).toBe(2); // W_K's −2 dominates
  });

  it('balance puts √β in W_Q and W_K: max entry 2√β, the same scores and the same X_L', () => {
    const plain = build(id, source(), { beta: 9 });
    const bal = build(id, source(), { beta: 9, balance: true });
    expect(maxAbsEntry(bal.model)).toBe(6);
    expect(bal.declared.maxAbsEntry).toBe(bal.measured.maxAbsEntry);
    expect(String(bal.model.annotations.balance)).toMatch(/^yes/);
    const a = evaluateReference(plain.model).output;
    const b = evaluateReference(bal.model).output;
    for (let i = 0; i < a.length; i++) expect(b[i]!).toBeCloseTo(a[i]!, 12);
  });
});
