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
import type { HeadWeights, TransformerModel } from '../src/problems/transformer.js';
import { evalFormula } from '../src/reduction/formula.js';
import { decisionOf, defineReduction } from '../src/reduction/types.js';
import { headsOption, kvGroupsOption, layersOption } from './gadgets/options.js';
import { UserError } from '../src/errors.js';
import { shape } from './3ov-to-transformer.js';
import {
  BETA_FORMULA,
  checkKvGroups,
  gadgetBeta,
  gadgetDecision,
  gadgetHead,
  gadgetLayout,
  gadgetTokens,
  layoutAnnotations,
  threeOvFromGadget,
  type GadgetEvidence,
  type GadgetLayout,
} from './gadgets/orthogonality-head.js';

const Options = z.object({ layers: layersOption, heads: headsOption, kvGroups: kvGroupsOption });
type Options = z.infer<typeof Options>;

interface Meta {
  layout: GadgetLayout;
  beta: number;
  layers: number;
  heads: number;
}

export const threeOvToCausalTransformer = defineReduction<ThreeOvInstance, TransformerModel, ThreeOvSolution, ModelOutput, Options, Meta, GadgetEvidence>({
  id: '3ov-to-causal-transformer',
  source: '3ov',
  target: 'transformer',
  title: '3-OV → causal L-layer H-head transformer (tokens B, dummy, A)',
  variant: 'causal',
  reference: 'Saha, Xu, Ye, Yu, On the Computational Hardness of Transformers, arXiv 2603.11332, Thm 3.1 (gadget), reordered for a causal mask',
  optionsSchema: Options,
  params: (s, opts) => {
    const { layers, heads } = shape(s.sizeC!, opts);
    const tokens = s.sizeA! + s.sizeB! + 1;
    return { sizeA: s.sizeA!, sizeB: s.sizeB!, sizeC: s.sizeC!, dim: s.dim!, layers, heads, beta: evalFormula(BETA_FORMULA, { tokens, layers, heads }) };
  },
  overhead: { tokens: 'sizeA + sizeB + 1', width: 'dim + 4', layers: 'layers', heads: 'heads', maxAbsEntry: 'beta' },
  forward(o, opts) {
    if (o.C.rows === 0) throw new UserError('3-OV instance has an empty C: no head can carry a vector (the answer is trivially NO)');
    const { layers, heads } = shape(o.C.rows, opts);
    checkKvGroups(opts.kvGroups, heads);
    const layout = gadgetLayout(o.A, o.B, 'bda');
    const beta = gadgetBeta(layout.tokens, layers * heads);
    const weights: HeadWeights[][] = [];
    for (let l = 0; l < layers; l++) {
      const row: HeadWeights[] = [];
      for (let h = 0; h < heads; h++) row.push(gadgetHead(o.C, (l * heads + h) % o.C.rows, layout, beta));
      weights.push(row);
    }
    const target: TransformerModel = {
      kind: 'transformer',
      tokens: layout.tokens,
      width: layout.width,
      layers,
      heads,
      scale: 1,
      residual: true,
      causal: true,
      ...(opts.kvGroups !== undefined ? { kvGroups: opts.kvGroups } : {}),
      X: gadgetTokens(o.A, o.B, layout),
      weights,
      mlp: Array.from({ length: layers }, () => null),
      annotations: {
        construction: '3ov-to-causal-transformer (the 3-OV gadget, tokens B, dummy, A, causal mask)',
        beta,
        ...layoutAnnotations(layout),
        decision: 'max over A tokens of X_L[i][acc] > 1/2',
      },
    };
    return { target, meta: { layout, beta, layers, heads } };
  },
  decision: ({ meta }, output) => gadgetDecision(meta.layout, output),
  backward: (input, ctx) =>
    threeOvFromGadget(input.target, input.meta.layout, ctx.probe, decisionOf(input, '3ov-to-causal-transformer'), input.source.C.rows, input.meta.heads),
});
