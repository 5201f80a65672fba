import type { z } from 'zod';
import type { Footprint, MemoryBudget } from '../memory.js';
import type { Instance, ProblemId } from '../problems/instance.js';
import type { Rng } from '../rng.js';

/**
 * A generator family (one per file in src/generators/). Registering it in src/generators/index.ts
 * makes it available to `seth gen <id>`, `seth list` and the generic generator tests.
 */
export interface GeneratorSpec<O extends Record<string, unknown> = Record<string, unknown>> {
  readonly id: string;
  readonly problem: ProblemId;
  readonly summary: string;
  /**
   * The command-line options, one field per option keyed as typed (`size-b`), each described with
   * its help (`flag`, src/generators/options.ts): `seth gen <id>`'s flags, their types, defaults
   * and --help come from here. `schema` is built on it.
   */
  readonly flags: z.ZodObject;
  /** Validates and normalises options (the flags' values, or a recorded provenance's params). */
  readonly schema: z.ZodType<O>;
  /** Whether output depends on the seed (PHP does not). */
  readonly usesSeed: boolean;
  /** Small option sets for the generic tests; the first is the base that `variations` modify. */
  readonly examples: readonly O[];
  /** For "every parameter changes the output": each entry changes one parameter of examples[0]. */
  readonly variations: readonly Partial<O>[];
  /**
   * Build an instance. `command` is recorded in the provenance. The output's provenance.expected
   * labels its answer: by construction, or by an oracle (marked as such). Memory is refused
   * against `budget`, the run's one budget (`--force`, SETH_MEMORY_LIMIT).
   */
  generate(options: O, rng: Rng, command: string, budget: MemoryBudget): Instance;
  /**
   * What `seth gen` holds at its peak for these options: generating, fingerprinting and writing
   * the file in `format` (calibrated against peak RSS where given; test/memory-calibration.test.ts).
   * `seth gen` refuses against it (guardFootprint) before generating.
   */
  footprint?(options: O, format: 'auto' | 'json'): Footprint;
}

export type AnyGenerator = GeneratorSpec<Record<string, unknown>>;

/** Erase a generator's option type for the registry. */
export function defineGenerator<O extends Record<string, unknown>>(g: GeneratorSpec<O>): AnyGenerator {
  return g;
}
