import { z } from 'zod';
import { countSchema, positiveNumber, reductionOption } from '../../src/reduction/options.js';

/**
 * Options read by several reductions, declared once (src/reduction/options.ts): a chain hands the
 * same record of options to each of its steps, so `layers` given to `seth check` shapes both the
 * k-SAT split (|V3| = ⌊log₂(L·H)⌋) and the transformer; each reduction puts the ones it reads into
 * its optionsSchema by reference.
 */

export const layersOption = reductionOption(countSchema(1), {
  help: 'layers L of the transformer (L·H heads carry the vectors of C; default 1 × 4 when neither -L nor -H is given)',
  alias: 'L',
  vary: [1, 2, 3],
});

export const headsOption = reductionOption(countSchema(1), {
  help: 'heads H per layer (default: 4 with -L absent; else the fewest that hold |C|)',
  alias: 'H',
  vary: [1, 2, 3],
});

export const splitOption = reductionOption(countSchema(0), {
  help: 'k-SAT splits: |V1| (default balanced)',
  vary: [0, 1, 2, 3, 4, 5, 6],
});

export const kvGroupsOption = reductionOption(countSchema(1), {
  help: '3-OV → transformer: declare grouped-query attention with this many K/V groups (a divisor of the heads; 1 = multi-query)',
  // A count that does not divide the heads is refused (and the closed loop falls back to the defaults).
  vary: [1, 2, 3],
});

export const betaOption = reductionOption(positiveNumber(), {
  help: 'orthogonality heads: β instead of 2⌈log₂(40nLH)⌉ (below it the answer may be wrong)',
  // At or above the bound 2⌈log₂(40nLH)⌉ whenever n·L·H ≤ 10^8 (every instance the generic tests draw), so the answer must hold.
  vary: [64, 80],
});

export const balanceOption = reductionOption(z.boolean(), {
  help: 'orthogonality heads: √β in both W_Q and W_K (max entry Θ(√β))',
});
