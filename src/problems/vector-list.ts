import { z } from 'zod';

/**
 * JSON form of a list of 0/1 vectors: each vector a string of '0'/'1' characters (coordinate 0
 * first). Compact, readable and diff-friendly; validated by length and alphabet with the field path.
 */
export const BitStringSchema = z.string().regex(/^[01]*$/, 'expected a string of 0/1 characters');

/** Adds a zod issue for every vector whose length is not `dim`. */
export function checkVectorLengths(vectors: readonly string[], dim: number, field: string, ctx: z.RefinementCtx): void {
  vectors.forEach((v, i) => {
    if (v.length !== dim) {
      ctx.addIssue({
        code: 'custom',
        path: [field, i],
        message: `vector has ${v.length} entries, expected dim = ${dim}`,
      });
    }
  });
}
