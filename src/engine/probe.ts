import type { TransformerModel } from '../problems/transformer.js';
import type { HeadProbe } from '../reduction/types.js';
import { headOnRows } from './reference.js';

/**
 * Single-head evaluations on chosen rows of X_0, for witness recovery. Valid for constructions
 * whose weights never read the coordinates that heads write (the orthogonality gadget): there every
 * layer sees X_0's other coordinates unchanged. Uses the float64 reference kernel: these calls score
 * O((LH + |B|)·n) query–key pairs, negligible beside the n²·LH of one forward pass.
 */
export function makeHeadProbe(): HeadProbe {
  const stats = { calls: 0, rounds: 0, scoredPairs: 0 };
  return {
    stats,
    round: () => void stats.rounds++,
    evaluate(model: TransformerModel, layer: number, head: number, queryTokens: readonly number[], keyTokens: readonly number[]): Float64Array {
      const m = model.width;
      const rows = (idx: readonly number[]): Float64Array => {
        const out = new Float64Array(idx.length * m);
        idx.forEach((t, r) => out.set(model.X.subarray(t * m, (t + 1) * m), r * m));
        return out;
      };
      stats.calls++;
      stats.scoredPairs += queryTokens.length * keyTokens.length;
      const w = model.weights[layer]![head]!;
      return headOnRows(rows(queryTokens), queryTokens.length, rows(keyTokens), keyTokens.length, m, w, model.scale);
    },
  };
}
