import fc from 'fast-check';
import { expect } from 'vitest';
import type { AnyReduction } from '../../src/reduction/types.js';
import { closedLoop, optionsArbitrary } from '../../src/testing/closed-loop.js';
import { sourceArbitrary } from '../../src/testing/arbitraries/index.js';

/**
 * Generic assertion: the closed loop holds for `runs` random sources of `r` (fast-check shrinks a
 * failure and prints the seed that replays it). Returns how many runs were not skipped.
 */
export async function assertClosedLoop(r: AnyReduction, runs: number, maxSize: number, seed?: number): Promise<number> {
  const arb = sourceArbitrary(r.source, maxSize);
  expect(arb, `no source arbitrary for ${r.source}`).toBeDefined();
  let checked = 0;
  await fc.assert(
    fc.asyncProperty(arb!, optionsArbitrary(r), async (source, opts) => {
      const out = await closedLoop(r, source, opts);
      if (out.status === 'fail') throw new Error(`${r.id}: ${out.reason}`);
      if (out.status === 'ok') checked++;
    }),
    seed === undefined ? { numRuns: runs } : { numRuns: runs, seed },
  );
  return checked;
}
