import { UserError } from '../errors.js';
import { loadInstance } from '../io/instance-file.js';
import type { MemoryBudget } from '../memory.js';
import { modelOf } from '../problems/registry.js';
import type { TransformerModel } from '../problems/transformer.js';

/**
 * The model a command that takes one (eval, export) reads from `file`: an instance of a problem
 * that declares itself a model (asModel). Any other instance is refused with one line: `${file}:
 * a ${problem} instance; ${expected}`.
 */
export function loadModelInstance(file: string, budget: MemoryBudget, expected: string): TransformerModel {
  const inst = loadInstance(file, { budget });
  const model = modelOf(inst);
  if (!model) throw new UserError(`${file}: a ${inst.problem} instance; ${expected}`);
  return model;
}
