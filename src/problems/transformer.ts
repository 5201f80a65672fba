import { z } from 'zod';
import { ProvenanceSchema, type Provenance } from '../provenance.js';

/**
 * The transformer we fix (../shared/docs/model.md §1):
 *
 *   Att(Q, K, V) = softmax_rows(s · Q Kᵀ) · V                  (s = scale, explicit, default 1)
 *   head t:      Att(X W_Q^t, X W_K^t, X W_V^t)                 (W ∈ R^{m×m})
 *   layer ℓ:     X_ℓ = MLP_ℓ( X_{ℓ−1} + Σ_h Att_h(X_{ℓ−1}) )     (residual; MLP = identity by default)
 *
 * Full (non-causal) attention. Heads are summed (the concat-then-W_O form with W_O folded into W_V).
 * The `attention` problem is the same object with one layer and no residual: Σ_h Att_h(X).
 *
 * Optional ReLU MLP: MLP(Y) = ReLU(Y W1 + b1) W2 + b2 (W1: m×hidden, W2: hidden×m), no inner residual.
 * All matrices are row-major Float64Arrays.
 */
export interface HeadWeights {
  readonly Q: Float64Array;
  readonly K: Float64Array;
  readonly V: Float64Array;
}

export interface ReluMlp {
  readonly hidden: number;
  readonly W1: Float64Array;
  readonly b1: Float64Array;
  readonly W2: Float64Array;
  readonly b2: Float64Array;
}

export type ModelKind = 'transformer' | 'attention';

export interface TransformerModel {
  readonly kind: ModelKind;
  readonly tokens: number;
  readonly width: number;
  readonly layers: number;
  readonly heads: number;
  readonly scale: number;
  readonly residual: boolean;
  /** n×m input tokens X_0. */
  readonly X: Float64Array;
  /** weights[layer][head] */
  readonly weights: readonly (readonly HeadWeights[])[];
  /** mlp[layer]: null = identity. */
  readonly mlp: readonly (ReluMlp | null)[];
  /** Facts about the construction a decoder or report may use (β, accumulator coordinate, …). */
  readonly annotations: Readonly<Record<string, number | string>>;
  provenance?: Provenance | undefined;
}

/** Largest |entry| over X, all weights and MLP parameters. */
export function maxAbsEntry(model: TransformerModel): number {
  let m = 0;
  const scan = (a: Float64Array): void => {
    for (let i = 0; i < a.length; i++) {
      const v = Math.abs(a[i]!);
      if (v > m) m = v;
    }
  };
  scan(model.X);
  for (const layer of model.weights) for (const h of layer) (scan(h.Q), scan(h.K), scan(h.V));
  for (const p of model.mlp) if (p) (scan(p.W1), scan(p.b1), scan(p.W2), scan(p.b2));
  return m;
}

/** Straightforward cost of one forward pass in floating-point operations: per head 3·2nm² + 4n²m. */
export function forwardFlops(model: Pick<TransformerModel, 'tokens' | 'width' | 'layers' | 'heads'>): number {
  const { tokens: n, width: m, layers: L, heads: H } = model;
  return L * H * (6 * n * m * m + 4 * n * n * m);
}

/** Bytes the model occupies in memory (float64). */
export function modelBytes(p: { tokens: number; width: number; layers: number; heads: number }): number {
  return 8 * (p.tokens * p.width + 3 * p.layers * p.heads * p.width * p.width);
}

export function zeroHead(m: number): { Q: Float64Array; K: Float64Array; V: Float64Array } {
  return { Q: new Float64Array(m * m), K: new Float64Array(m * m), V: new Float64Array(m * m) };
}

// ---------------------------------------------------------------------------------------------
// JSON file form
// ---------------------------------------------------------------------------------------------

const FiniteNumber = z.number().refine(Number.isFinite, 'expected a finite number (no NaN or Infinity)');
const Matrix = z.array(z.array(FiniteNumber));
const Vector = z.array(FiniteNumber);

const HeadJson = z.object({ W_Q: Matrix, W_K: Matrix, W_V: Matrix });
const MlpJson = z.object({ W1: Matrix, b1: Vector, W2: Matrix, b2: Vector });

export const TransformerJsonSchema = z
  .object({
    problem: z.enum(['transformer', 'attention']),
    config: z.object({
      tokens: z.number().int().min(1),
      width: z.number().int().min(1),
      layers: z.number().int().min(1),
      heads: z.number().int().min(1),
      scale: FiniteNumber.default(1),
      residual: z.boolean().default(true),
      mlp: z.enum(['identity', 'relu']).default('identity'),
    }),
    X: Matrix,
    layers: z.array(z.object({ heads: z.array(HeadJson), mlp: MlpJson.optional() })),
    annotations: z.record(z.string(), z.union([z.number(), z.string()])).default({}),
    provenance: ProvenanceSchema.optional(),
  })
  .superRefine((v, ctx) => {
    const { tokens: n, width: m, layers: L, heads: H } = v.config;
    const shape = (a: number[][], rows: number, cols: number, path: (string | number)[]): void => {
      if (a.length !== rows) {
        ctx.addIssue({ code: 'custom', path, message: `expected ${rows} rows, found ${a.length}` });
        return;
      }
      a.forEach((row, i) => {
        if (row.length !== cols) {
          ctx.addIssue({ code: 'custom', path: [...path, i], message: `expected ${cols} columns, found ${row.length}` });
        }
      });
    };
    const vec = (a: number[], len: number, path: (string | number)[]): void => {
      if (a.length !== len) ctx.addIssue({ code: 'custom', path, message: `expected length ${len}, found ${a.length}` });
    };
    if (v.problem === 'attention' && (L !== 1 || v.config.residual)) {
      ctx.addIssue({ code: 'custom', path: ['config'], message: 'an attention instance has layers = 1 and residual = false' });
    }
    shape(v.X, n, m, ['X']);
    if (v.layers.length !== L) {
      ctx.addIssue({ code: 'custom', path: ['layers'], message: `expected ${L} layers (config.layers), found ${v.layers.length}` });
      return;
    }
    v.layers.forEach((layer, l) => {
      if (layer.heads.length !== H) {
        ctx.addIssue({ code: 'custom', path: ['layers', l, 'heads'], message: `expected ${H} heads (config.heads), found ${layer.heads.length}` });
      }
      layer.heads.forEach((h, t) => {
        for (const w of ['W_Q', 'W_K', 'W_V'] as const) shape(h[w], m, m, ['layers', l, 'heads', t, w]);
      });
      if (v.config.mlp === 'relu') {
        if (!layer.mlp) {
          ctx.addIssue({ code: 'custom', path: ['layers', l, 'mlp'], message: 'config.mlp is "relu": every layer needs W1, b1, W2, b2' });
          return;
        }
        const hidden = layer.mlp.b1.length;
        shape(layer.mlp.W1, m, hidden, ['layers', l, 'mlp', 'W1']);
        shape(layer.mlp.W2, hidden, m, ['layers', l, 'mlp', 'W2']);
        vec(layer.mlp.b2, m, ['layers', l, 'mlp', 'b2']);
      } else if (layer.mlp) {
        ctx.addIssue({ code: 'custom', path: ['layers', l, 'mlp'], message: 'an MLP is given but config.mlp is "identity"' });
      }
    });
  });
export type TransformerJson = z.infer<typeof TransformerJsonSchema>;

export function flatten(rows: readonly (readonly number[])[], cols: number): Float64Array {
  const out = new Float64Array(rows.length * cols);
  rows.forEach((r, i) => out.set(r, i * cols));
  return out;
}

export function unflatten(a: ArrayLike<number>, rows: number, cols: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < rows; i++) out.push(Array.from({ length: cols }, (_, j) => a[i * cols + j]!));
  return out;
}

export function modelFromJson(j: TransformerJson): TransformerModel {
  const { tokens, width: m, layers, heads, scale, residual } = j.config;
  return {
    kind: j.problem,
    tokens,
    width: m,
    layers,
    heads,
    scale,
    residual,
    X: flatten(j.X, m),
    weights: j.layers.map((l) => l.heads.map((h) => ({ Q: flatten(h.W_Q, m), K: flatten(h.W_K, m), V: flatten(h.W_V, m) }))),
    mlp: j.layers.map((l) =>
      l.mlp
        ? {
            hidden: l.mlp.b1.length,
            W1: flatten(l.mlp.W1, l.mlp.b1.length),
            b1: Float64Array.from(l.mlp.b1),
            W2: flatten(l.mlp.W2, m),
            b2: Float64Array.from(l.mlp.b2),
          }
        : null,
    ),
    annotations: j.annotations,
    provenance: j.provenance,
  };
}

export function modelToJson(model: TransformerModel): TransformerJson {
  const m = model.width;
  const anyMlp = model.mlp.some((p) => p !== null);
  const out: TransformerJson = {
    problem: model.kind,
    config: {
      tokens: model.tokens,
      width: m,
      layers: model.layers,
      heads: model.heads,
      scale: model.scale,
      residual: model.residual,
      mlp: anyMlp ? 'relu' : 'identity',
    },
    X: unflatten(model.X, model.tokens, m),
    layers: model.weights.map((layer, l) => {
      const p = model.mlp[l];
      const heads = layer.map((h) => ({ W_Q: unflatten(h.Q, m, m), W_K: unflatten(h.K, m, m), W_V: unflatten(h.V, m, m) }));
      return p
        ? { heads, mlp: { W1: unflatten(p.W1, m, p.hidden), b1: Array.from(p.b1), W2: unflatten(p.W2, p.hidden, m), b2: Array.from(p.b2) } }
        : { heads };
    }),
    annotations: { ...model.annotations },
  };
  if (model.provenance) out.provenance = model.provenance;
  return out;
}
