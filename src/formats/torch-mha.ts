import { modelDims, type ModelDims, type TransformerModel } from '../problems/transformer.js';
import type { TensorSource } from './safetensors.js';

/**
 * The stock-module form of a transformer (`seth export --format torch-mha`): the state_dict of L
 * layers of unmodified `torch.nn.MultiheadAttention(E, H, batch_first=True)` with the residual,
 * as `seth_torch.load_mha` (python/seth_torch/mha.py) builds the module.
 *
 * Construction (proved in docs/interop.md): embed dim E = H·m, head width m, tokens padded with
 * zeros to h = [X, 0] ∈ R^{n×E}. torch computes q = h·Wqᵀ (W stored [out, in]) and head t reads
 * columns t·m..(t+1)·m, so for head t, output column j < m, input column i < m:
 *
 *     in_proj_weight[t·m + j, i]         = c · W_Q^t[i, j]     (c = scale·√m cancels torch's 1/√m)
 *     in_proj_weight[E + t·m + j, i]     = W_K^t[i, j]
 *     in_proj_weight[2E + t·m + j, i]    = W_V^t[i, j]
 *     out_proj.weight[j, t·m + j]        = 1                   ([I_m … I_m] in the first m rows)
 *
 * and zero elsewhere, biases zero; then the attention output is Σ_t head_t in the first m columns and
 * zero in the others, so the padded columns stay zero through the residual. The ReLU MLP is two stock
 * nn.Linear layers on the padded space: mlp.0.weight[k, i] = W1[i, k], mlp.0.bias = b1,
 * mlp.2.weight[j, k] = W2[k, j], mlp.2.bias[j] = b2[j] (j < m; zero rows beyond).
 * The input X is the module's buffer "X". Heads sharing K/V (kvGroups) carry equal copies.
 */

export const TORCH_MHA_FORMAT = 'seth-workbench torch-mha v1';

export interface TorchMhaConfig extends ModelDims {
  problem: 'transformer' | 'attention';
  /** Hidden width of each layer's MLP, 0 for none. */
  hidden: number[];
  causal: boolean;
}

export function torchMhaConfig(model: TransformerModel): TorchMhaConfig {
  return {
    problem: model.kind,
    ...modelDims(model),
    hidden: model.mlp.map((p) => (p ? p.hidden : 0)),
    causal: model.causal === true,
  };
}

/** Elements the export holds (the padded matrices are H² times the sum-of-heads weights). */
export function torchMhaElements(model: TransformerModel): number {
  const E = model.heads * model.width;
  let n = model.tokens * model.width + model.layers * (4 * E * E + 4 * E);
  for (const p of model.mlp) if (p) n += 2 * E * p.hidden + p.hidden + E;
  return n;
}

/** The state_dict of the module, tensor by tensor (names as nn.Module.state_dict() spells them). */
export function torchMhaTensors(model: TransformerModel, dtype: 'f32' | 'f64'): TensorSource[] {
  const { width: m, heads: H } = model;
  const E = H * m;
  const c = model.scale * Math.sqrt(m);
  const out: TensorSource[] = [];
  model.weights.forEach((layer, l) => {
    const inProj = new Float64Array(3 * E * E);
    layer.forEach((w, t) => {
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < m; j++) {
          const row = t * m + j;
          inProj[row * E + i] = c * w.Q[i * m + j]!;
          inProj[(E + row) * E + i] = w.K[i * m + j]!;
          inProj[(2 * E + row) * E + i] = w.V[i * m + j]!;
        }
      }
    });
    const outProj = new Float64Array(E * E);
    for (let t = 0; t < H; t++) for (let j = 0; j < m; j++) outProj[j * E + t * m + j] = 1;
    const p = `blocks.${l}`;
    out.push({ name: `${p}.attn.in_proj_weight`, shape: [3 * E, E], data: inProj, dtype });
    out.push({ name: `${p}.attn.in_proj_bias`, shape: [3 * E], data: new Float64Array(3 * E), dtype });
    out.push({ name: `${p}.attn.out_proj.weight`, shape: [E, E], data: outProj, dtype });
    out.push({ name: `${p}.attn.out_proj.bias`, shape: [E], data: new Float64Array(E), dtype });
    const mlp = model.mlp[l];
    if (mlp) {
      const k = mlp.hidden;
      const w1 = new Float64Array(k * E);
      for (let i = 0; i < m; i++) for (let h = 0; h < k; h++) w1[h * E + i] = mlp.W1[i * k + h]!;
      const w2 = new Float64Array(E * k);
      for (let h = 0; h < k; h++) for (let j = 0; j < m; j++) w2[j * k + h] = mlp.W2[h * m + j]!;
      const b2 = new Float64Array(E);
      b2.set(mlp.b2);
      out.push({ name: `${p}.mlp.0.weight`, shape: [k, E], data: w1, dtype });
      out.push({ name: `${p}.mlp.0.bias`, shape: [k], data: mlp.b1, dtype });
      out.push({ name: `${p}.mlp.2.weight`, shape: [E, k], data: w2, dtype });
      out.push({ name: `${p}.mlp.2.bias`, shape: [E], data: b2, dtype });
    }
  });
  out.push({ name: 'X', shape: [model.tokens, m], data: model.X, dtype });
  return out;
}

/** Metadata of the file: format, config (JSON), the construction in words, plus `extra`. */
export function torchMhaMetadata(model: TransformerModel, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return {
    format: TORCH_MHA_FORMAT,
    module:
      'blocks[l] = {attn: torch.nn.MultiheadAttention(E = heads*width, heads, bias=True, batch_first=True), mlp: Sequential(Linear, ReLU, Linear) or none}; buffer X',
    semantics:
      'h = pad(X, E); per block: h = h + attn(h, h, h)[0] (no residual term if config.residual is false; causal: mask keys after the query), h = mlp(h); X_L = h[:, :width]',
    config: JSON.stringify(torchMhaConfig(model)),
    ...extra,
  };
}
