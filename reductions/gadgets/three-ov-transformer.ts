import { UserError } from '../../src/errors.js';
import type { ThreeOvInstance, ThreeOvSolution } from '../../src/problems/three-ov.js';
import type { HeadWeights, TransformerModel } from '../../src/problems/transformer.js';
import type { Params } from '../../src/reduction/formula.js';
import { decisionOf, type BackwardInput, type Decision, type ReductionContext, type StepInput } from '../../src/reduction/types.js';
import type { ModelOutput } from '../../src/problems/registry.js';
import {
  checkKvGroups,
  gadgetDecision,
  gadgetHead,
  gadgetLayout,
  gadgetTokens,
  threeOvFromGadget,
  type GadgetEvidence,
  type GadgetLayout,
  type TokenOrder,
} from './orthogonality-head.js';

/**
 * The 3-OV gadget transformer (arXiv 2603.11332, Theorem 3.1; docs/model.md §3), built once for
 * 3ov-to-transformer and its causal variant 3ov-to-causal-transformer: L layers of H orthogonality
 * heads (gadgets/orthogonality-head.ts), head t = ℓ·H + h carrying c_{t mod |C|} in W_Q, residual
 * stream, identity MLP, scale 1. The reductions differ only in what `GadgetModelSpec` names: the
 * token order and mask, how β is chosen, and what the annotations record.
 */
export interface GadgetModelOptions {
  layers?: number | undefined;
  heads?: number | undefined;
  kvGroups?: number | undefined;
}

export interface GadgetMeta {
  layout: GadgetLayout;
  beta: number;
  layers: number;
  heads: number;
}

/** L and H: as given; if one is missing it is the smallest that fits |C|; by default 1 × |C|. */
export function shape(sizeC: number, o: GadgetModelOptions): { layers: number; heads: number } {
  const c = Math.max(1, sizeC);
  const layers = o.layers ?? (o.heads ? Math.ceil(c / o.heads) : 1);
  const heads = o.heads ?? Math.ceil(c / layers);
  if (layers * heads < sizeC) {
    throw new UserError(`3-OV instance has |C| = ${sizeC} vectors but layers·heads = ${layers * heads}; need layers·heads ≥ |C| (one head per vector of C)`);
  }
  return { layers, heads };
}

/** The params both reductions start from (the source's sizes and the shape), and the token count that β's formula reads. */
export function gadgetModelParams(s: Params, o: GadgetModelOptions): { base: Params & { layers: number; heads: number }; tokens: number } {
  const { layers, heads } = shape(s.sizeC!, o);
  return { base: { sizeA: s.sizeA!, sizeB: s.sizeB!, sizeC: s.sizeC!, dim: s.dim!, layers, heads }, tokens: s.sizeA! + s.sizeB! + 1 };
}

export interface GadgetModelSpec {
  order: TokenOrder;
  causal: boolean;
  construction: string;
  /** β for this layout and L·H heads, the balance of W_Q and W_K, and the annotations that record β. */
  beta(tokens: number, totalHeads: number): { beta: number; balance: boolean; annotations: Record<string, string | number> };
  /** The token ranges the annotations record. */
  layoutAnnotations(layout: GadgetLayout): Record<string, string | number>;
}

export function gadgetModel(o: ThreeOvInstance, opts: GadgetModelOptions, spec: GadgetModelSpec): { target: TransformerModel; meta: GadgetMeta } {
  if (o.C.rows === 0) throw new UserError('3-OV instance has an empty C: no head can carry a vector (the answer is trivially NO)');
  const { layers, heads } = shape(o.C.rows, opts);
  checkKvGroups(opts.kvGroups, heads);
  const layout = gadgetLayout(o.A, o.B, spec.order);
  const b = spec.beta(layout.tokens, layers * heads);
  const weights: HeadWeights[][] = [];
  for (let l = 0; l < layers; l++) {
    const row: HeadWeights[] = [];
    for (let h = 0; h < heads; h++) row.push(gadgetHead(o.C, (l * heads + h) % o.C.rows, layout, b.beta, b.balance));
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
    ...(spec.causal ? { causal: true } : {}),
    ...(opts.kvGroups !== undefined ? { kvGroups: opts.kvGroups } : {}),
    X: gadgetTokens(o.A, o.B, layout),
    weights,
    mlp: Array.from({ length: layers }, () => null),
    annotations: {
      construction: spec.construction,
      ...b.annotations,
      ...spec.layoutAnnotations(layout),
      decision: 'max over A tokens of X_L[i][acc] > 1/2',
    },
  };
  return { target, meta: { layout, beta: b.beta, layers, heads } };
}

/** The decision of a gadget model: max_a acc(a) > ½ (gadgetDecision). */
export function gadgetModelDecision(input: StepInput<ThreeOvInstance, TransformerModel, GadgetMeta, unknown>, output: Float64Array): Decision<GadgetEvidence> {
  return gadgetDecision(input.meta.layout, output);
}

/** The backward map of a gadget model, from its one decision (threeOvFromGadget). */
export function gadgetModelBackward(
  id: string,
): (input: BackwardInput<ThreeOvInstance, TransformerModel, GadgetMeta, ModelOutput, unknown, GadgetEvidence>, ctx: ReductionContext) => ThreeOvSolution {
  return (input, ctx) => threeOvFromGadget(input.target, input.meta.layout, ctx.probe, decisionOf(input, id), input.source.C.rows, input.meta.heads);
}
