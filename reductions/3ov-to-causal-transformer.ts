/**
 * 3ov-to-causal-transformer — the 3-OV gadget of 3ov-to-transformer in a causal (decoder-only)
 * transformer: the lower bound for the models people run (arXiv 2603.11332, Theorem 3.1, with the
 * tokens reordered so that the mask hides nothing the decision needs).
 *
 * Construction: as 3ov-to-transformer (width d + 4, one head per vector of C, residual stream,
 * identity MLP, β = 2⌈log₂(40·n·L·H)⌉), but the model is causal (query i sees keys j ≤ i) and the
 * tokens are ordered B, then the dummy, then A: n = |B| + 1 + |A|.
 * Correctness: an A query at position |B| + 1 + i sees every B token and the dummy, so the keys that
 * decide its softmax — the B tokens (score −β⟨a∘c, b⟩) and the dummy (−β/2) — are all present, as
 * without the mask. Of the A keys it sees only those up to itself; each scores ≤ −2β, so there are
 * fewer leaking keys and the bound of the full model holds: acc(a) after L layers = Σ_t [some b has
 * ⟨a∘c_t, b⟩ = 0] ± (leak < 1/40), max_a acc(a) > ½ iff YES, margin ≥ ½ − 1/40. The B and dummy rows
 * see fewer keys, but the decision never reads them, and no weight reads the accumulator they write.
 * Witness: as 3ov-to-transformer (largest acc gives i; halving over heads, then over B, with the probe,
 * which applies the same mask; every B key precedes every A query, so the B halving is unaffected).
 * `kvGroups` (optional) declares grouped-query sharing; the gadget's heads share W_K, W_V already.
 */
import { z } from 'zod';
import type { ModelOutput } from '../src/problems/registry.js';
import type { ThreeOvInstance, ThreeOvSolution } from '../src/problems/three-ov.js';
import type { TransformerModel } from '../src/problems/transformer.js';
import { evalFormula } from '../src/reduction/formula.js';
import { defineReduction } from '../src/reduction/types.js';
import { headsOption, kvGroupsOption, layersOption } from './gadgets/options.js';
import { BETA_FORMULA, gadgetBeta, layoutAnnotations, type GadgetEvidence } from './gadgets/orthogonality-head.js';
import { gadgetModel, gadgetModelBackward, gadgetModelDecision, gadgetModelParams, type GadgetMeta } from './gadgets/three-ov-transformer.js';

const Options = z.object({ layers: layersOption, heads: headsOption, kvGroups: kvGroupsOption });
type Options = z.infer<typeof Options>;

// Built by the same gadget model as 3ov-to-transformer (gadgets/three-ov-transformer.ts); what
// differs is stated here: tokens B, dummy, A; the causal mask; β always 2⌈log₂(40nLH)⌉, in W_Q.
export const threeOvToCausalTransformer = defineReduction<ThreeOvInstance, TransformerModel, ThreeOvSolution, ModelOutput, Options, GadgetMeta, GadgetEvidence>(
  {
    id: '3ov-to-causal-transformer',
    source: '3ov',
    target: 'transformer',
    title: '3-OV → causal L-layer H-head transformer (tokens B, dummy, A)',
    variant: 'causal',
    reference: 'Saha, Xu, Ye, Yu, On the Computational Hardness of Transformers, arXiv 2603.11332, Thm 3.1 (gadget), reordered for a causal mask',
    optionsSchema: Options,
    params: (s, opts) => {
      const { base, tokens } = gadgetModelParams(s, opts);
      return { ...base, beta: evalFormula(BETA_FORMULA, { tokens, layers: base.layers, heads: base.heads }) };
    },
    overhead: { tokens: 'sizeA + sizeB + 1', width: 'dim + 4', layers: 'layers', heads: 'heads', maxAbsEntry: 'beta' },
    forward: (o, opts) =>
      gadgetModel(o, opts, {
        order: 'bda',
        causal: true,
        construction: '3ov-to-causal-transformer (the 3-OV gadget, tokens B, dummy, A, causal mask)',
        beta: (tokens, totalHeads) => {
          const beta = gadgetBeta(tokens, totalHeads);
          return { beta, balance: false, annotations: { beta } };
        },
        layoutAnnotations,
      }),
    decision: gadgetModelDecision,
    backward: gadgetModelBackward('3ov-to-causal-transformer'),
  },
);
