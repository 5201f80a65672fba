import type { HeadWeights, ModelKind, ReluMlp, TransformerModel } from '../problems/transformer.js';
import type { Rng } from '../rng.js';

/**
 * Random dense transformers (not the orthogonality gadget): what engine, export and
 * differentiator tests run on. Entries are uniform in ±spread; every draw comes from `rng`.
 */
export interface RandomTransformerShape {
  tokens: number;
  width: number;
  layers: number;
  heads: number;
  scale?: number;
  residual?: boolean;
  /** Defaults to 'attention' for one layer without residual, else 'transformer'. */
  kind?: ModelKind;
  /** Hidden width of a ReLU MLP in every layer; none when 0 or absent. */
  hidden?: number;
  /** Spread of W_Q and W_K (larger = larger logits). Default 1. */
  qkSpread?: number;
  /** Spread of W_V. Default 1. */
  valueSpread?: number;
  /** Spread of the tokens X. Default 1. */
  inputSpread?: number;
  /** Spread of the MLP's weights and biases. Default 1. */
  mlpSpread?: number;
  /** W_Q = 0 (every attention matrix uniform). */
  zeroQ?: boolean;
  /** Causal masking (query i sees keys j ≤ i). */
  causal?: boolean;
  /** Heads share W_K, W_V in this many consecutive groups (must divide heads). */
  kvGroups?: number;
}

export function randomMatrix(rng: Rng, length: number, spread: number): Float64Array {
  return Float64Array.from({ length }, () => (2 * rng.next() - 1) * spread);
}

export function randomTransformer(rng: Rng, s: RandomTransformerShape): TransformerModel {
  const { tokens: n, width: m, layers: L, heads: H } = s;
  const residual = s.residual ?? true;
  const qk = s.qkSpread ?? 1;
  const G = s.kvGroups;
  if (G !== undefined && (G < 1 || H % G !== 0)) throw new RangeError(`kvGroups = ${G} must divide heads = ${H}`);
  const per = H / (G ?? H);
  const weights: HeadWeights[][] = Array.from({ length: L }, () => {
    const layer: HeadWeights[] = [];
    for (let h = 0; h < H; h++) {
      const Q = s.zeroQ ? new Float64Array(m * m) : randomMatrix(rng, m * m, qk);
      // The heads of one K/V group share the lead head's arrays.
      const lead = h % per === 0 ? undefined : layer[h - (h % per)];
      layer.push(lead ? { Q, K: lead.K, V: lead.V } : { Q, K: randomMatrix(rng, m * m, qk), V: randomMatrix(rng, m * m, s.valueSpread ?? 1) });
    }
    return layer;
  });
  const h = s.hidden ?? 0;
  const ms = s.mlpSpread ?? 1;
  const mlp: (ReluMlp | null)[] = Array.from({ length: L }, () =>
    h > 0
      ? { hidden: h, W1: randomMatrix(rng, m * h, ms), b1: randomMatrix(rng, h, ms), W2: randomMatrix(rng, h * m, ms), b2: randomMatrix(rng, m, ms) }
      : null,
  );
  return {
    kind: s.kind ?? (L === 1 && !residual ? 'attention' : 'transformer'),
    tokens: n,
    width: m,
    layers: L,
    heads: H,
    scale: s.scale ?? 1,
    residual,
    ...(s.causal ? { causal: true } : {}),
    ...(G !== undefined ? { kvGroups: G } : {}),
    X: randomMatrix(rng, n * m, s.inputSpread ?? 1),
    weights,
    mlp,
    annotations: {},
  };
}
