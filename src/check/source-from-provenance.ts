import { UserError } from '../errors.js';
import { findGenerator } from '../generators/index.js';
import type { Instance } from '../problems/instance.js';
import type { TransformerModel } from '../problems/transformer.js';
import type { MemoryBudget } from '../memory.js';
import { FILE_SOURCE, type Provenance } from '../provenance.js';
import { recordedOptions } from '../reduction/options.js';
import type { AnyReduction } from '../reduction/types.js';
import { sourceFromRecord } from '../io/source-record.js';
import { makeRng } from '../rng.js';

/**
 * A transformer file answers no question by itself: its answer is the source instance's. When the
 * source was made by a seth generator, its provenance chain records generator, parameters and
 * seed, and every reduction on the way with its options; a source read from a file is embedded in
 * the model's provenance (src/io/source-record.ts). This rebuilds that source, so that
 * `seth check model.json [--output X_L.npy]` can run the same chain again. The caller must confirm
 * that the rebuilt model is the given one (same fingerprint) before trusting anything.
 */
export interface RecoveredSource {
  source: Instance;
  /** Reduction ids from the source to the model, in order. */
  via: string[];
  /** The options the reductions were run with: every option each recorded reduction declares (src/reduction/options.ts). */
  options: Record<string, unknown>;
  /** The generator command that made the source (for reports). */
  origin: string;
}

export function recoverSource(
  model: Pick<TransformerModel, 'kind' | 'provenance'>,
  file: string,
  reductions: readonly AnyReduction[],
  budget: MemoryBudget,
): RecoveredSource {
  const reductionOf = (q: Provenance | undefined): AnyReduction | undefined => (q ? reductions.find((r) => r.id === q.generator) : undefined);
  const via: string[] = [];
  const options: Record<string, unknown> = {};
  let p: Provenance | undefined = model.provenance;
  for (let r = reductionOf(p); p && r; p = p.from, r = reductionOf(p)) {
    via.unshift(r.id);
    // The chain runs with one record of options: a step nearer the model wins a key both record.
    for (const [k, v] of Object.entries(recordedOptions(r, p.params))) if (options[k] === undefined) options[k] = v;
  }
  if (via.length === 0) {
    throw new UserError(
      `${file}: a ${model.kind} instance has no answer of its own, and its provenance names no reduction that made it; check the source instance instead (seth check SOURCE [--output X_L])`,
    );
  }
  // A source read from a file: rebuilt from its embedded copy (or its recorded path), fingerprint-checked.
  if (p && p.generator === FILE_SOURCE) {
    return { source: sourceFromRecord(p, file, budget), via, options, origin: sourceOrigin(p) };
  }
  const g = p ? findGenerator(p.generator) : undefined;
  if (!p || !g) {
    throw new UserError(
      `${file}: its source instance was not made by a seth generator (${p ? `provenance: ${p.command}` : 'no provenance'}); ` +
        'give the source instance itself: seth check SOURCE [--output X_L]',
    );
  }
  const parsed = g.schema.safeParse(p.params);
  if (!parsed.success) throw new UserError(`${file}: the recorded parameters of its source (${p.command}) no longer validate; regenerate it`);
  const source = g.generate(parsed.data, makeRng(p.seed ?? 0), p.command, budget);
  return { source, via, options, origin: p.command };
}

function sourceOrigin(p: Provenance): string {
  if (p.embedded === undefined) return `the source file it records, ${p.location ?? '?'} (same fingerprint)`;
  return p.location ? `the source embedded in the model (read from ${p.location})` : 'the source embedded in the model';
}
