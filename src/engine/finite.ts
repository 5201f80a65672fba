import { CheckFailure } from '../errors.js';
import type { TransformerModel } from '../problems/transformer.js';
import type { Engine, EvalOptions, EvalResult } from './types.js';

/**
 * The one policy for non-finite numbers, shared by every engine: a NaN or ±Infinity in a head's
 * output or in X_L is an error (exit 1, like a failed check) that names the engine, the layer, the
 * head and the row, never a result written out (JSON would turn it into `null`). Degenerate
 * models (logits past the double range, scale ±1e300, X = 1e308 with a residual, V = 1e39 in
 * float32) then fail the same way on every engine instead of giving NaN on one and a number on
 * another. createEngine wraps every engine with `finiteChecked`; the wasm and native
 * engines, whose kernels never hand their logits back, check inside the kernels and throw it themselves.
 */
export class NonFiniteError extends CheckFailure {
  constructor(message: string) {
    super(message);
    this.name = 'NonFiniteError';
  }
}

/** First index of a non-finite value in `a`, or -1. */
export function firstNonFinite(a: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return i;
  return -1;
}

function describeValue(v: number): string {
  return Number.isNaN(v) ? 'NaN' : v > 0 ? '+Infinity' : '-Infinity';
}

/** Every head output (when given) and X_L must be finite; the first offender is named. */
export function checkFiniteResult(result: EvalResult, model: TransformerModel): void {
  const m = model.width;
  const at = (i: number): string => `row ${Math.floor(i / m)}, column ${i % m}`;
  const dt = `${result.engine} (${result.dtype})`;
  if (result.perHead) {
    for (let l = 0; l < result.perHead.length; l++) {
      const layer = result.perHead[l]!;
      for (let h = 0; h < layer.length; h++) {
        const k = firstNonFinite(layer[h]!);
        if (k >= 0) {
          throw new NonFiniteError(
            `engine ${dt}: non-finite output ${describeValue(layer[h]![k]!)} at layer ${l + 1}, head ${h + 1}, ${at(k)} ` +
              '(logits or values beyond the floating-point range of this dtype)',
          );
        }
      }
    }
  }
  const k = firstNonFinite(result.output);
  if (k >= 0) {
    throw new NonFiniteError(
      `engine ${dt}: non-finite X_L entry ${describeValue(result.output[k]!)} at ${at(k)}, after layer ${model.layers}` +
        `${result.perHead ? ' (every head output is finite: the residual sum or the MLP overflowed)' : ''}`,
    );
  }
}

const F32_MAX = 3.4028234663852886e38;

/**
 * An engine computing in float32 sees the model rounded to float32: an entry beyond its range
 * becomes ±Infinity there, and results turn NaN or silently wrong (a scale of −1e300 became a
 * finite, wrong output). Such a model is refused with the place of the first such entry.
 */
export function checkRepresentable(model: TransformerModel, engine: string, dtype: string): void {
  if (dtype !== 'f32') return;
  const m = model.width;
  const fail = (what: string, v: number): never => {
    throw new NonFiniteError(`engine ${engine} (f32): ${what} is ${v}, beyond the float32 range (±3.4e38); evaluate this model in f64`);
  };
  if (Math.abs(model.scale) > F32_MAX) fail('the scale', model.scale);
  const big = (a: Float64Array): number => {
    for (let i = 0; i < a.length; i++) if (Math.abs(a[i]!) > F32_MAX) return i;
    return -1;
  };
  let k = big(model.X);
  if (k >= 0) fail(`X[${Math.floor(k / m)}][${k % m}]`, model.X[k]!);
  model.weights.forEach((layer, l) =>
    layer.forEach((w, h) => {
      for (const [name, a] of [
        ['W_Q', w.Q],
        ['W_K', w.K],
        ['W_V', w.V],
      ] as const) {
        k = big(a);
        if (k >= 0) fail(`${name} of layer ${l + 1}, head ${h + 1}, row ${Math.floor(k / m)}`, a[k]!);
      }
    }),
  );
}

/**
 * The engine with the policy applied to every result. When X_L holds a non-finite entry and the
 * per-head outputs were not asked for, the model is evaluated once more with them, so that the
 * error names the first layer and head that went non-finite.
 */
export function finiteChecked(engine: Engine): Engine {
  const evaluate = async (model: TransformerModel, options?: EvalOptions): Promise<EvalResult> => {
    checkRepresentable(model, engine.name, engine.dtype);
    const r = await engine.evaluate(model, options);
    if (firstNonFinite(r.output) >= 0 && !r.perHead) {
      const again = await engine.evaluate(model, { ...options, perHead: true });
      checkFiniteResult(again, model);
    }
    checkFiniteResult(r, model);
    return r;
  };
  // Everything else (name, dtype, close, what an engine adds) is the engine's own, by delegation.
  const wrapped: Engine = Object.create(engine) as Engine;
  return Object.assign(wrapped, { evaluate });
}
