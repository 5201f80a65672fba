import { describe, expect, it } from 'vitest';
import { modelFingerprint } from '../src/problems/fingerprint.js';
import { makeRng } from '../src/rng.js';
import { randomTransformer, type RandomTransformerShape } from '../src/testing/random-transformer.js';

/**
 * Fingerprints are written into output files and checked against models later, so their bytes
 * must never change. These values were recorded from the code as it was before the model's shape
 * got one shared description (src/problems/transformer.ts); any change to what is hashed, or in
 * which order, fails here.
 */
const shapes: readonly [string, RandomTransformerShape][] = [
  ['attention, one layer', { tokens: 4, width: 3, layers: 1, heads: 2, residual: false, kind: 'attention' }],
  ['transformer with MLP', { tokens: 5, width: 3, layers: 2, heads: 4, hidden: 2 }],
  ['causal', { tokens: 5, width: 3, layers: 2, heads: 4, hidden: 2, causal: true }],
  ['kvGroups', { tokens: 5, width: 3, layers: 2, heads: 4, kvGroups: 2 }],
  ['scaled, no residual', { tokens: 3, width: 2, layers: 3, heads: 1, scale: 0.25, residual: false }],
];

const pinned: Record<string, string> = {
  'attention, one layer': 'sha256:2a96f2a140030005708f713defb7dbe2929a16dc6c3a355316351f0748579e42',
  'transformer with MLP': 'sha256:dcd5f7715690d514e251b337858f9ed4c2d68e20fff30ba0028bc1343d77d456',
  causal: 'sha256:1e41863bf54f2980aa7055a8da4ab6d020e308bbb224fa876997ea344ec073a6',
  kvGroups: 'sha256:ab8b984a3628befb554d19ddba7a75eb465f13a3edd1c1bfdc2239d1f15f6f63',
  'scaled, no residual': 'sha256:9840befff9090cd6f132f400ca9d5ee1d1df26853ede8677a61d0902a0b54f6c',
};

describe('model fingerprints are stable', () => {
  it.each(shapes)('%s', (name, shape) => {
    const fp = modelFingerprint(randomTransformer(makeRng(7), shape));
    expect(fp).toBe(pinned[name]);
  });

  it('one changed weight changes the fingerprint', () => {
    const model = randomTransformer(makeRng(7), { tokens: 5, width: 3, layers: 2, heads: 4, hidden: 2 });
    const w = model.weights[1]?.[3]?.V;
    if (!w) throw new Error('no head 3 in layer 1');
    w[w.length - 1] = (w[w.length - 1] ?? 0) + 2 ** -40;
    expect(modelFingerprint(model)).not.toBe(pinned['transformer with MLP']);
  });
});
