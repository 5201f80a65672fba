/**
 * 3ov-to-transformer — one L-layer, H-head transformer decides 3-OV with |C| ≤ L·H
 * (arXiv 2603.11332, Theorem 3.1; construction after that theorem, weights as given in
 * docs/model.md §3 and reductions/gadgets/orthogonality-head.ts).
 *
 * Construction: tokens = A, then B, then one dummy (n = |A| + |B| + 1), width m = d + 4. Head
 * t = ℓ·H + h carries c_{t mod |C|} in W_Q (the first |C| heads cover C; any further heads repeat
 * vectors, which changes no answer). Residual stream on, identity MLP, scale 1,
 * β = 2⌈log₂(40·n·L·H)⌉ (options: `beta` overrides it, `balance` splits it as √β into W_Q and W_K;
 * see gadgets/orthogonality-head.ts).
 * Correctness: no weight reads the accumulator and heads write only to it, so every head sees the
 * original tokens and acc(a) after L layers = Σ_t [some b has ⟨a∘c_t, b⟩ = 0] ± (leak < 1/40).
 * Hence max_a acc(a) > ½ iff the instance is YES, with margin ≥ ½ − 1/40 on either side, which
 * survives any ±1/(10n) error per output entry.
 * Witness: the A token with the largest acc gives i; a halving search over heads and then over B,
 * with single-row evaluations of the same heads, gives k and j (O(log(LH) + log|B|) rounds).
 * Multi-query / grouped-query: every head has the same W_K and W_V (only W_Q carries c), so the
 * instances already are multi-query instances; `kvGroups` (e.g. 1) declares it in the model, and
 * engines then project K and V once per group. The bound therefore covers MQA and GQA.
 */
import { z } from 'zod';
import type { ModelOutput } from '../src/problems/registry.js';
import type { ThreeOvInstance, ThreeOvSolution } from '../src/problems/three-ov.js';
import type { TransformerModel } from '../src/problems/transformer.js';
import { evalFormula } from '../src/reduction/formula.js';
import { defineReduction } from '../src/reduction/types.js';
import { balanceOption, betaOption, headsOption, kvGroupsOption, layersOption } from './gadgets/options.js';
import { BETA_FORMULA, betaAnnotations, chooseBeta, gadgetScales, MAX_ENTRY_FORMULA, headsText, type GadgetEvidence } from './gadgets/orthogonality-head.js';
import { gadgetModel, gadgetModelBackward, gadgetModelDecision, gadgetModelParams, type GadgetMeta } from './gadgets/three-ov-transformer.js';

const Options = z.object({ layers: layersOption, heads: headsOption, beta: betaOption, balance: balanceOption, kvGroups: kvGroupsOption });
type Options = z.infer<typeof Options>;

export const threeOvToTransformer = defineReduction<ThreeOvInstance, TransformerModel, ThreeOvSolution, ModelOutput, Options, GadgetMeta, GadgetEvidence>({
  id: '3ov-to-transformer',
  source: '3ov',
  target: 'transformer',
  title: '3-OV → L-layer H-head transformer (one head per vector of C)',
  reference: 'Saha, Xu, Ye, Yu, On the Computational Hardness of Transformers, arXiv 2603.11332, Thm 3.1; weights: docs/model.md §3',
  optionsSchema: Options,
  params: (s, opts) => {
    const { base, tokens } = gadgetModelParams(s, opts);
    const beta = opts.beta ?? evalFormula(BETA_FORMULA, { tokens, layers: base.layers, heads: base.heads });
    return { ...base, beta, ...gadgetScales(beta, opts.balance === true) };
  },
  overhead: { tokens: 'sizeA + sizeB + 1', width: 'dim + 4', layers: 'layers', heads: 'heads', maxAbsEntry: MAX_ENTRY_FORMULA },
  forward: (o, opts) =>
    gadgetModel(o, opts, {
      order: 'abd',
      causal: false,
      construction: '3ov-to-transformer (docs/model.md §3)',
      beta: (tokens, totalHeads) => {
        const b = chooseBeta(tokens, totalHeads, opts);
        return { beta: b.beta, balance: b.balance, annotations: betaAnnotations(b) };
      },
      layoutAnnotations: (layout) => ({
        accCoordinate: layout.acc,
        aTokens: `0..${layout.nA - 1}`,
        bTokens: `${layout.nA}..${layout.nA + layout.nB - 1}`,
        dummyToken: layout.dummy,
      }),
    }),
  decision: gadgetModelDecision,
  explain: ({ params: p, declared: t }) =>
    `Built one transformer (arXiv 2603.11332, Thm 3.1): A, B and a dummy become ${t.tokens} tokens of width d + 4 = ${t.width}; ` +
    `${headsText(p.layers!, p.heads!, p.sizeC)} in W_Q, with β = ${p.beta}. For an A token, a head attends ` +
    `almost only to B tokens orthogonal to a∘c (score 0) or, failing those, to the dummy (score −β/2), and adds 1 or ≈0 to an accumulator coordinate.`,
  backward: gadgetModelBackward('3ov-to-transformer'),
});
