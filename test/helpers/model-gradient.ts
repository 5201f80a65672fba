import { paramsFromModel, transformerGradient, type TransformerGradient } from '../../src/autodiff/transformer-grad.js';
import { F64, RATIONAL, rationalFromNumber, type Rational } from '../../src/autodiff/scalar.js';
import type { TransformerModel } from '../../src/problems/transformer.js';

/**
 * Shorthands the autodiff and matmul-batch tests use to differentiate a whole model in one field;
 * the product builds its parameters itself (src/check), so these live under test/.
 */

/** float64 gradient of f = ⟨C, X_L⟩ for a model (C n×m row-major). */
export function modelGradientF64(model: TransformerModel, C: ArrayLike<number>): TransformerGradient<number> {
  return transformerGradient(F64, paramsFromModel(model, F64), Array.from(C));
}

const asRational = (x: number | Rational): Rational => (typeof x === 'number' ? rationalFromNumber(x) : x);

/**
 * Exact rational gradient of f = ⟨C, X_L⟩ for a model (its doubles taken exactly). Refuses, with
 * a clear message, any model whose attention logits are not all 0 (exp would be irrational).
 */
export function modelGradientRational(model: TransformerModel, C: ArrayLike<number> | readonly Rational[]): TransformerGradient<Rational> {
  const c: Rational[] = Array.from<number | Rational, Rational>(C, asRational);
  return transformerGradient(RATIONAL, paramsFromModel(model, RATIONAL), c);
}
