/**
 * ov-to-attention — one attention head decides OV (the case L = H = 1, c = 1 of docs/model.md §3;
 * cf. Keles, Wijewardena, Hegde, On the Computational Complexity of Self-Attention, ALT 2023).
 *
 * Construction: tokens A, then B, then a dummy; width d + 4; a single head with c = 1^d and
 * β = 2⌈log₂(40·n)⌉ (options: `beta` overrides it, `balance` splits it as √β into W_Q and W_K; see
 * gadgets/orthogonality-head.ts); no residual (the instance is Att(X W_Q, X W_K, X W_V) itself), scale 1.
 * Correctness: for an A token a the head's acc output is ≥ 1 − 1/40 if some b is orthogonal to a
 * and ≤ 1/40 otherwise (see reductions/gadgets/orthogonality-head.ts), so max_a acc > ½ iff YES.
 * Witness: the A token with the largest acc, then halving over B with single-row evaluations.
 */
import { z } from 'zod';
import type { ModelOutput } from '../src/problems/registry.js';
import type { OvInstance, OvSolution } from '../src/problems/ov.js';
import type { TransformerModel } from '../src/problems/transformer.js';
import { evalFormula } from '../src/reduction/formula.js';
import { decisionOf, defineReduction } from '../src/reduction/types.js';
import { balanceOption, betaOption } from './gadgets/options.js';
import {
  BETA_FORMULA,
  betaAnnotations,
  chooseBeta,
  gadgetScales,
  MAX_ENTRY_FORMULA,
  gadgetDecision,
  gadgetHead,
  gadgetLayout,
  gadgetTokens,
  recoverHeadAndB,
  type GadgetEvidence,
  type GadgetLayout,
} from './gadgets/orthogonality-head.js';

const Options = z.object({ beta: betaOption, balance: balanceOption });
type Options = z.infer<typeof Options>;

interface Meta {
  layout: GadgetLayout;
  beta: number;
}

export const ovToAttention = defineReduction<OvInstance, TransformerModel, OvSolution, ModelOutput, Options, Meta, GadgetEvidence>({
  id: 'ov-to-attention',
  source: 'ov',
  target: 'attention',
  title: 'OV → one attention head',
  reference: 'Keles, Wijewardena, Hegde, ALT 2023; arXiv 2603.11332 (case L = H = 1); weights: docs/model.md §3',
  optionsSchema: Options,
  params: (s, opts) => {
    const tokens = s.sizeA! + s.sizeB! + 1;
    const beta = opts.beta ?? evalFormula(BETA_FORMULA, { tokens, layers: 1, heads: 1 });
    return { sizeA: s.sizeA!, sizeB: s.sizeB!, dim: s.dim!, beta, ...gadgetScales(beta, opts.balance === true) };
  },
  overhead: { tokens: 'sizeA + sizeB + 1', width: 'dim + 4', layers: '1', heads: '1', maxAbsEntry: MAX_ENTRY_FORMULA },
  forward(o, opts) {
    const layout = gadgetLayout(o.A, o.B);
    const b = chooseBeta(layout.tokens, 1, opts);
    const beta = b.beta;
    const target: TransformerModel = {
      kind: 'attention',
      tokens: layout.tokens,
      width: layout.width,
      layers: 1,
      heads: 1,
      scale: 1,
      residual: false,
      X: gadgetTokens(o.A, o.B, layout),
      weights: [[gadgetHead(null, 0, layout, beta, b.balance)]],
      mlp: [null],
      annotations: {
        construction: 'ov-to-attention (docs/model.md §3, L = H = 1, c = 1)',
        ...betaAnnotations(b),
        accCoordinate: layout.acc,
        aTokens: `0..${layout.nA - 1}`,
        bTokens: `${layout.nA}..${layout.nA + layout.nB - 1}`,
        dummyToken: layout.dummy,
        decision: 'max over A tokens of output[i][acc] > 1/2',
      },
    };
    return { target, meta: { layout, beta } };
  },
  decision: ({ meta }, output) => gadgetDecision(meta.layout, output),
  explain: ({ params: p, declared: t }) =>
    `Built one attention head on ${t.tokens} tokens of width ${t.width} (β = ${p.beta}): an A token's accumulator is ≈1 iff some b ⊥ a.`,
  backward(input, ctx) {
    const { target, meta } = input;
    const decision = decisionOf(input, 'ov-to-attention');
    if (!decision.positive) return { answer: 'NO' };
    const { token } = decision.evidence;
    const found = recoverHeadAndB(target, meta.layout, ctx.probe, token, [{ layer: 0, head: 0 }]);
    return found ? { answer: 'YES', witness: [token, found.bIndex] } : { answer: 'YES' };
  },
});
