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
}

export function randomMatrix(rng: Rng, length: number, spread: number): Float64Array {
  return Float64Array.from({ length }, () => (2 * rng.next() - 1) * spread);
}

export function randomTransformer(rng: Rng, s: RandomTransformerShape): TransformerModel {
  const { tokens: n, width: m, layers: L, heads: H } = s;
  const residual = s.residual ?? true;
  const qk = s.qkSpread ?? 1;
  const weights: HeadWeights[][] = Array.from({ length: L }, () =>
    Array.from({ length: H }, () => ({
      Q: s.zeroQ ? new Float64Array(m * m) : randomMatrix(rng, m * m, qk),
      K: randomMatrix(rng, m * m, qk),
      V: randomMatrix(rng, m * m, s.valueSpread ?? 1),
    })),
  );
  const h = s.hidden ?? 0;
  const ms = s.mlpSpread ?? 1;
  const mlp: (ReluMlp | null)[] = Array.from({ length: L }, () =>
    h > 0 ? { hidden: h, W1: randomMatrix(rng, m * h, ms), b1: randomMatrix(rng, h, ms), W2: randomMatrix(rng, h * m, ms), b2: randomMatrix(rng, m, ms) } : null,
  );
  return {
    kind: s.kind ?? (L === 1 && !residual ? 'attention' : 'transformer'),
    tokens: n,
    width: m,
    layers: L,
    heads: H,
    scale: s.scale ?? 1,
    residual,
    X: randomMatrix(rng, n * m, s.inputSpread ?? 1),
    weights,
    mlp,
    annotations: {},
  };
}
