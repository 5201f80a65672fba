import { z } from 'zod';
import { UserError } from '../errors.js';
import { ProvenanceSchema, type Provenance } from '../provenance.js';

/**
 * The transformer we fix (docs/model.md §1):
 *
 *   Att(Q, K, V) = softmax_rows(s · Q Kᵀ) · V                  (s = scale, explicit, default 1)
 *   head t:      Att(X W_Q^t, X W_K^t, X W_V^t)                 (W ∈ R^{m×m})
 *   layer ℓ:     X_ℓ = MLP_ℓ( X_{ℓ−1} + Σ_h Att_h(X_{ℓ−1}) )     (residual; MLP = identity by default)
 *
 * Heads are summed (the concat-then-W_O form with W_O folded into W_V). The `attention` problem is
 * the same object with one layer and no residual: Σ_h Att_h(X).
 *
 * Two variants of the attention itself, both optional (absent = full multi-head attention):
 * - `causal`: query token i sees only key tokens j ≤ i (decoder-only masking); every row keeps at
 *   least itself, so the softmax is always defined.
 * - `kvGroups` = G (G divides H): grouped-query attention. Heads are split into G consecutive groups
 *   of H/G; the heads of one group share W_K and W_V (G = 1 is multi-query attention, G = H the
 *   ordinary form). In memory and in the JSON form every head still carries its W_K and W_V, and
 *   validation requires them equal within a group, so an engine that ignores the flag still computes
 *   the right X_L; an engine that honours it projects each shared K, V once per group.
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

export interface TransformerModel extends ModelDims {
  readonly kind: ModelKind;
  /** Query i sees only keys j ≤ i. Absent = false. */
  readonly causal?: boolean | undefined;
  /** Heads share W_K, W_V in this many consecutive groups (divides heads). Absent = heads. */
  readonly kvGroups?: number | undefined;
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

/**
 * A model's sizes and switches: the scalars every form of it records beside the tensors (the JSON
 * config, the safetensors / torch-mha `config` metadata, the fingerprint). Listed once, so a new one
 * is added in one place. The key order is part of the fingerprint (it hashes this object's JSON).
 */
export interface ModelDims {
  readonly tokens: number;
  readonly width: number;
  readonly layers: number;
  readonly heads: number;
  readonly scale: number;
  readonly residual: boolean;
}

export function modelDims(model: ModelDims): ModelDims {
  return { tokens: model.tokens, width: model.width, layers: model.layers, heads: model.heads, scale: model.scale, residual: model.residual };
}

/**
 * The optional variants, each present only when set: files and fingerprints of plain models stay
 * what they were before causal masking and grouped K/V existed.
 */
export function modelVariants(model: Pick<TransformerModel, 'causal' | 'kvGroups'>): { causal?: true; kvGroups?: number } {
  return { ...(model.causal ? { causal: true } : {}), ...(model.kvGroups !== undefined ? { kvGroups: model.kvGroups } : {}) };
}

/** 'relu' when some layer has an MLP, else 'identity' (the config's one-word summary). */
export function mlpKind(model: Pick<TransformerModel, 'mlp'>): 'relu' | 'identity' {
  return model.mlp.some((p) => p !== null) ? 'relu' : 'identity';
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
  for (const layer of model.weights) for (const h of layer) for (const m of [h.Q, h.K, h.V]) scan(m);
  for (const p of model.mlp) if (p) for (const m of [p.W1, p.b1, p.W2, p.b2]) scan(m);
  return m;
}

/** Bytes the model occupies in memory (float64). */
export function modelBytes(p: { tokens: number; width: number; layers: number; heads: number }): number {
  return 8 * (p.tokens * p.width + 3 * p.layers * p.heads * p.width * p.width);
}

/** The K/V group of head h: heads are split into kvGroups consecutive groups of heads/kvGroups. */
export function kvGroupOf(model: Pick<TransformerModel, 'heads' | 'kvGroups'>, head: number): number {
  const G = model.kvGroups ?? model.heads;
  return Math.floor(head / (model.heads / G));
}

/**
 * Where a model breaks the kvGroups contract: G must divide H, and the heads of one group must carry
 * equal W_K and W_V. Returns a message naming layer and heads, or undefined when the model is sound.
 */
export function kvGroupsViolation(model: Pick<TransformerModel, 'heads' | 'width' | 'kvGroups' | 'weights'>): string | undefined {
  const G = model.kvGroups;
  if (G === undefined) return undefined;
  const H = model.heads;
  if (!Number.isInteger(G) || G < 1 || H % G !== 0) return `kvGroups = ${G} must be a positive divisor of heads = ${H}`;
  const per = H / G;
  for (let l = 0; l < model.weights.length; l++) {
    const layer = model.weights[l]!;
    for (let h = 0; h < layer.length; h++) {
      const lead = layer[h - (h % per)]!;
      const w = layer[h]!;
      if (w === lead) continue;
      for (const name of ['K', 'V'] as const) {
        const a = lead[name];
        const b = w[name];
        if (a === b) continue;
        for (let i = 0; i < a.length; i++) {
          if (a[i] !== b[i]) {
            return `kvGroups = ${G}: layer ${l} head ${h} has a W_${name} different from head ${h - (h % per)} of its group (entry ${Math.floor(i / model.width)},${i % model.width})`;
          }
        }
      }
    }
  }
  return undefined;
}

/**
 * For engines and exports that do not implement causal masking: refuse a causal model with one line
 * (an unmasked result would be silently wrong). kvGroups needs no refusal: shared W_K, W_V are
 * stored in every head, so computing each head on its own gives the same X_L.
 */
export function refuseCausal(model: Pick<TransformerModel, 'causal'>, who: string): void {
  if (model.causal) throw new UserError(`${who} does not implement causal masking, and this model is causal (config.causal = true); use the reference engine`);
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
      causal: z.boolean().optional(),
      kvGroups: z.number().int().min(1).optional(),
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
    const G = v.config.kvGroups;
    if (G !== undefined && H % G !== 0) {
      ctx.addIssue({ code: 'custom', path: ['config', 'kvGroups'], message: `expected a divisor of heads = ${H}, found ${G}` });
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
      if (G !== undefined && H % G === 0 && layer.heads.length === H) {
        const per = H / G;
        layer.heads.forEach((h, t) => {
          const lead = layer.heads[t - (t % per)]!;
          for (const w of ['W_K', 'W_V'] as const) {
            const differs = h[w].some((row, i) => row.some((x, j) => x !== lead[w][i]?.[j]));
            if (differs) {
              ctx.addIssue({
                code: 'custom',
                path: ['layers', l, 'heads', t, w],
                message: `config.kvGroups = ${G}: heads ${t - (t % per)}..${t - (t % per) + per - 1} share one ${w}, but head ${t} differs from head ${t - (t % per)}`,
              });
            }
          }
        });
      }
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
  const { width: m, heads, kvGroups } = j.config;
  const per = heads / (kvGroups ?? heads);
  return {
    kind: j.problem,
    ...modelDims(j.config),
    ...modelVariants(j.config),
    X: flatten(j.X, m),
    weights: j.layers.map((l) => {
      const out: HeadWeights[] = [];
      l.heads.forEach((h, t) => {
        // Heads of one K/V group share the very arrays (validation made them equal).
        const lead = t % per === 0 ? undefined : out[t - (t % per)];
        out.push({ Q: flatten(h.W_Q, m), K: lead ? lead.K : flatten(h.W_K, m), V: lead ? lead.V : flatten(h.W_V, m) });
      });
      return out;
    }),
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
  const out: TransformerJson = {
    problem: model.kind,
    config: { ...modelDims(model), mlp: mlpKind(model), ...modelVariants(model) },
    X: unflatten(model.X, model.tokens, m),
    layers: model.weights.map((layer, l) => {
      const p = model.mlp[l];
      const heads = layer.map((h) => ({ W_Q: unflatten(h.Q, m, m), W_K: unflatten(h.K, m, m), W_V: unflatten(h.V, m, m) }));
      return p ? { heads, mlp: { W1: unflatten(p.W1, m, p.hidden), b1: Array.from(p.b1), W2: unflatten(p.W2, p.hidden, m), b2: Array.from(p.b2) } } : { heads };
    }),
    annotations: { ...model.annotations },
  };
  if (model.provenance) out.provenance = model.provenance;
  return out;
}
