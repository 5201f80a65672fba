import { matmulGenerator } from './matmul.js';
import { phpGenerator } from './php.js';
import { randomThreeOvGenerator } from './random-3ov.js';
import { randomKsatGenerator } from './random-ksat.js';
import { randomOvGenerator } from './random-ov.js';
import type { AnyGenerator } from './types.js';

/** Every generator family, in the order `seth list` shows them. Adding one here covers it in the generic tests. */
export const GENERATORS: readonly AnyGenerator[] = [randomKsatGenerator, phpGenerator, randomOvGenerator, randomThreeOvGenerator, matmulGenerator];

export function findGenerator(id: string): AnyGenerator | undefined {
  return GENERATORS.find((g) => g.id === id);
}
