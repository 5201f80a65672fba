/**
 * A `seth --engine module:` engine: attention over a random sample of keys (each query sees s keys
 * drawn uniformly, plus itself), a deliberately simple approximation to show how a module engine
 * plugs in. Usage: seth arena --engines module:examples/engines/sampled-attention.mjs
 * The workbench calls evaluate(model, { seed }) and checks the output's shape and finiteness.
 */
export const name = 'sampled-attention';
const SAMPLES = 8;

export function evaluate(model, { seed }) {
  const { tokens: n, width: m, scale } = model;
  let state = (seed * 2654435761 + 1) >>> 0; // xorshift32, seeded by the workbench
  const rand = (k) => ((state ^= state << 13, state ^= state >>> 17, state ^= state << 5, state >>> 0) % k);
  const mul = (X, W) => { const Y = new Float64Array(n * m); for (let i = 0; i < n; i++) for (let k = 0; k < m; k++) for (let j = 0; j < m; j++) Y[i * m + j] += X[i * m + k] * W[k * m + j]; return Y; };
  let X = model.X, flops = 0, exps = 0;
  for (let l = 0; l < model.layers; l++) {
    const Y = model.residual ? Float64Array.from(X) : new Float64Array(n * m);
    for (const w of model.weights[l]) {
      const Q = mul(X, w.Q), K = mul(X, w.K), V = mul(X, w.V);
      for (let i = 0; i < n; i++) {
        const limit = model.causal ? i + 1 : n;
        const keys = [i, ...Array.from({ length: Math.min(SAMPLES, limit) }, () => rand(limit))];
        const s = keys.map((j) => { let d = 0; for (let c = 0; c < m; c++) d += Q[i * m + c] * K[j * m + c]; return scale * d; });
        const mx = Math.max(...s), e = s.map((v) => Math.exp(v - mx)), z = e.reduce((a, b) => a + b, 0);
        keys.forEach((j, t) => { for (let c = 0; c < m; c++) Y[i * m + c] += (e[t] / z) * V[j * m + c]; });
        flops += keys.length * 4 * m; exps += keys.length;
      }
    }
    if (model.mlp[l]) throw new Error('sampled-attention: ReLU MLPs are not implemented in this example');
    X = Y;
  }
  return { output: X, cost: { flops, exps } };
}
