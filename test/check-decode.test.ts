import { describe, expect, it } from 'vitest';
import { REDUCTIONS } from '../reductions/index.js';
import { checkDecision } from '../src/check/run.js';
import { evaluateReference } from '../src/engine/reference.js';
import { loadInstance } from '../src/io/instance-file.js';
import type { TransformerModel } from '../src/problems/transformer.js';
import type { AnyReduction } from '../src/reduction/types.js';
import { PROJECT_ROOT } from '../src/version.js';
import { join } from 'node:path';

/**
 * The checker decodes X_L once per check: the last reduction's `decision` is called once, and
 * backward, the margin and the robustness verdict all read that one decision. Counted here with
 * every registered reduction wrapped so that its `decision` counts its calls.
 */
function countingRegistry(): { reductions: AnyReduction[]; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const reductions = REDUCTIONS.map((r): AnyReduction => {
    if (!r.decision) return r;
    const decision = r.decision.bind(r);
    return {
      ...r,
      decision: (input, output) => {
        calls.set(r.id, (calls.get(r.id) ?? 0) + 1);
        return decision(input, output);
      },
    };
  });
  return { reductions, calls };
}

const instance = (name: string): ReturnType<typeof loadInstance> => loadInstance(join(PROJECT_ROOT, 'instances', name));

describe('one decode per check', () => {
  const cases: { name: string; file: string; to?: 'attention' | 'tensor-attention'; via?: string[]; last: string; answer: string }[] = [
    { name: 'k-SAT → 3-OV → transformer (SAT, with witness recovery)', file: 'tiny-sat.cnf', last: '3ov-to-transformer', answer: 'SAT' },
    { name: 'k-SAT → 3-OV → transformer (UNSAT)', file: 'tiny-unsat.cnf', last: '3ov-to-transformer', answer: 'UNSAT' },
    { name: 'OV → attention', file: 'ov-planted.json', to: 'attention', last: 'ov-to-attention', answer: 'YES' },
    { name: '3-OV → tensor attention', file: '3ov-planted.json', to: 'tensor-attention', last: '3ov-to-tensor-attention', answer: 'YES' },
    { name: '3-OV → causal transformer', file: '3ov-planted.json', via: ['3ov-to-causal-transformer'], last: '3ov-to-causal-transformer', answer: 'YES' },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const { reductions, calls } = countingRegistry();
      const r = await checkDecision(instance(c.file), {
        reductions,
        engine: 'reference',
        ...(c.to ? { to: c.to } : {}),
        ...(c.via ? { via: c.via } : {}),
      });
      expect({ answer: r.answer, agree: r.agree, robust: r.robustToOutputError }).toEqual({ answer: c.answer, agree: true, robust: true });
      expect(Object.fromEntries(calls)).toEqual({ [c.last]: 1 });
    });
  }
  it('an output computed elsewhere (--output) is decoded once too', async () => {
    const { reductions, calls } = countingRegistry();
    const r = await checkDecision(instance('tiny-sat.cnf'), {
      reductions,
      externalOutput: (model: TransformerModel) => ({ data: evaluateReference(model).output, origin: 'test', dtype: 'f64' }),
    });
    expect(r.engine).toBe('external');
    expect(r.answer).toBe('SAT');
    expect(Object.fromEntries(calls)).toEqual({ '3ov-to-transformer': 1 });
  });
});
