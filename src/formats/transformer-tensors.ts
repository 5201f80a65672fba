import { z } from 'zod';
import { UserError, quoteInput } from '../errors.js';
import { parseJsonText } from '../io/json-text.js';
import { kvGroupsViolation, mlpKind, modelDims, modelVariants, type HeadWeights, type ReluMlp, type TransformerModel } from '../problems/transformer.js';
import type { NpyArray } from './elements.js';
import { ST_DTYPE, type SafetensorsFile, type TensorSource } from './safetensors.js';

/**
 * A transformer model as a set of named tensors and string metadata — the mapping `seth export`
 * uses for safetensors files (and, with the same names, for .npy folders and the torch engine's
 * input): `X`, `layers.L.heads.H.W_Q|W_K|W_V`, `layers.L.mlp.W1|b1|W2|b2`, and the configuration,
 * scale, annotations and provenance as metadata. The container itself is src/formats/safetensors.ts.
 */

/** `format` metadata of a model file written by `seth export`. */
export const TRANSFORMER_FORMAT = 'seth-workbench transformer v1';
/** `form` metadata: which of the two equivalent multi-head forms the weights are in. */
export const SUM_OF_HEADS_FORM = 'sum-of-heads (W_O folded into W_V)';

/** Tensor names: `X`, `layers.L.heads.H.W_Q|W_K|W_V`, `layers.L.mlp.W1|b1|W2|b2`. */
export function headTensorName(layer: number, head: number, w: 'W_Q' | 'W_K' | 'W_V'): string {
  return `layers.${layer}.heads.${head}.${w}`;
}
export function mlpTensorName(layer: number, p: 'W1' | 'b1' | 'W2' | 'b2'): string {
  return `layers.${layer}.mlp.${p}`;
}

/** The configuration recorded in `config` metadata (JSON). */
export const ModelConfigSchema = z.strictObject({
  problem: z.enum(['transformer', 'attention']),
  tokens: z.number().int().min(1),
  width: z.number().int().min(1),
  layers: z.number().int().min(1),
  heads: z.number().int().min(1),
  scale: z.number(),
  residual: z.boolean(),
  mlp: z.enum(['identity', 'relu']),
  causal: z.boolean().optional(),
  kvGroups: z.number().int().min(1).optional(),
});
export type ModelConfig = z.infer<typeof ModelConfigSchema>;

export function modelConfig(model: TransformerModel): ModelConfig {
  return {
    problem: model.kind,
    ...modelDims(model),
    mlp: mlpKind(model),
    ...modelVariants(model),
  };
}

/** Every tensor of a model, in a fixed order (X first), stored as `dtype`. No data is copied. */
export function transformerTensors(model: TransformerModel, dtype: 'f32' | 'f64'): TensorSource[] {
  const { tokens: n, width: m } = model;
  const out: TensorSource[] = [{ name: 'X', shape: [n, m], data: model.X, dtype }];
  model.weights.forEach((layer, l) => {
    layer.forEach((h, t) => {
      out.push({ name: headTensorName(l, t, 'W_Q'), shape: [m, m], data: h.Q, dtype });
      out.push({ name: headTensorName(l, t, 'W_K'), shape: [m, m], data: h.K, dtype });
      out.push({ name: headTensorName(l, t, 'W_V'), shape: [m, m], data: h.V, dtype });
    });
    const p = model.mlp[l];
    if (p) {
      out.push({ name: mlpTensorName(l, 'W1'), shape: [m, p.hidden], data: p.W1, dtype });
      out.push({ name: mlpTensorName(l, 'b1'), shape: [p.hidden], data: p.b1, dtype });
      out.push({ name: mlpTensorName(l, 'W2'), shape: [p.hidden, m], data: p.W2, dtype });
      out.push({ name: mlpTensorName(l, 'b2'), shape: [m], data: p.b2, dtype });
    }
  });
  return out;
}

/**
 * Metadata of a model file: format, form, config (JSON), scale (the exact decimal of the double),
 * annotations (JSON), plus `extra` (the exporter adds fingerprint and provenance).
 */
export function transformerMetadata(model: TransformerModel, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return {
    format: TRANSFORMER_FORMAT,
    form: SUM_OF_HEADS_FORM,
    semantics:
      'X_l = MLP_l(X_{l-1} + sum_h softmax(scale * (X_{l-1} W_Q^h)(X_{l-1} W_K^h)^T) (X_{l-1} W_V^h)); residual term only if config.residual; if config.causal, query i sees keys j <= i only; if config.kvGroups = G, heads form G consecutive groups sharing W_K, W_V (stored in every head); MLP(Y) = relu(Y W1 + b1) W2 + b2 or identity; row-major',
    config: JSON.stringify(modelConfig(model)),
    scale: String(model.scale),
    annotations: JSON.stringify(model.annotations),
    ...extra,
  };
}

function toF64(a: NpyArray): Float64Array {
  return a.data instanceof Float64Array ? a.data : Float64Array.from(a.data);
}

/** Rebuild a model from a file written with `transformerTensors` + `transformerMetadata`. */
export function modelFromSafetensors(file: SafetensorsFile, name: string): TransformerModel {
  const md = file.metadata;
  if (md.format !== TRANSFORMER_FORMAT) {
    throw new UserError(`${name}: metadata "format" is ${quoteInput(md.format ?? 'nothing')}, expected "${TRANSFORMER_FORMAT}"`);
  }
  if (md.form !== SUM_OF_HEADS_FORM) throw new UserError(`${name}: metadata "form" is ${quoteInput(md.form ?? 'nothing')}, expected "${SUM_OF_HEADS_FORM}"`);
  let cfg: ModelConfig;
  try {
    cfg = ModelConfigSchema.parse(parseJsonText(md.config ?? '', `${name} (metadata "config")`));
  } catch (e) {
    throw new UserError(`${name}: metadata "config" is not a valid model configuration (${(e as Error).message.split('\n')[0]})`);
  }
  let annotations: Record<string, number | string> = {};
  if (md.annotations !== undefined) {
    const a = z.record(z.string(), z.union([z.number(), z.string()])).safeParse(safeJson(md.annotations));
    if (!a.success) throw new UserError(`${name}: metadata "annotations" must be a JSON object of numbers and strings`);
    annotations = a.data;
  }
  const { tokens: n, width: m } = cfg;
  const used = new Set<string>();
  const get = (t: string, shape: readonly number[] | null): NpyArray => {
    const a = file.tensors.get(t);
    if (!a) throw new UserError(`${name}: tensor "${t}" is missing`);
    if (a.dtype !== 'f32' && a.dtype !== 'f64') throw new UserError(`${name}: tensor "${t}" has dtype ${ST_DTYPE[a.dtype]}, expected F32 or F64`);
    if (shape && (a.shape.length !== shape.length || a.shape.some((d, i) => d !== shape[i]))) {
      throw new UserError(`${name}: tensor "${t}" has shape [${a.shape.join(', ')}], expected [${shape.join(', ')}]`);
    }
    used.add(t);
    return a;
  };
  const X = toF64(get('X', [n, m]));
  const weights: HeadWeights[][] = [];
  const mlp: (ReluMlp | null)[] = [];
  for (let l = 0; l < cfg.layers; l++) {
    const layer: HeadWeights[] = [];
    for (let t = 0; t < cfg.heads; t++) {
      layer.push({
        Q: toF64(get(headTensorName(l, t, 'W_Q'), [m, m])),
        K: toF64(get(headTensorName(l, t, 'W_K'), [m, m])),
        V: toF64(get(headTensorName(l, t, 'W_V'), [m, m])),
      });
    }
    weights.push(layer);
    if (cfg.mlp === 'relu') {
      const b1 = get(mlpTensorName(l, 'b1'), null);
      if (b1.shape.length !== 1) throw new UserError(`${name}: tensor "${mlpTensorName(l, 'b1')}" must be 1-D`);
      const hidden = b1.shape[0]!;
      mlp.push({
        hidden,
        W1: toF64(get(mlpTensorName(l, 'W1'), [m, hidden])),
        b1: toF64(b1),
        W2: toF64(get(mlpTensorName(l, 'W2'), [hidden, m])),
        b2: toF64(get(mlpTensorName(l, 'b2'), [m])),
      });
    } else mlp.push(null);
  }
  const extra = [...file.tensors.keys()].filter((k) => !used.has(k));
  if (extra.length > 0)
    throw new UserError(
      `${name}: unexpected tensor(s) ${extra
        .slice(0, 3)
        .map((k) => `"${k}"`)
        .join(', ')} for this configuration`,
    );
  const model: TransformerModel = {
    kind: cfg.problem,
    tokens: n,
    width: m,
    layers: cfg.layers,
    heads: cfg.heads,
    scale: cfg.scale,
    residual: cfg.residual,
    ...(cfg.causal ? { causal: true } : {}),
    ...(cfg.kvGroups !== undefined ? { kvGroups: cfg.kvGroups } : {}),
    X,
    weights,
    mlp,
    annotations,
  };
  const violation = kvGroupsViolation(model);
  if (violation) throw new UserError(`${name}: ${violation}`);
  return model;
}

function safeJson(s: string): unknown {
  try {
    return parseJsonText(s, 'annotations');
  } catch (e) {
    if (e instanceof UserError) return undefined;
    throw e;
  }
}
