import { z } from 'zod';
import { TOOL_NAME, TOOL_VERSION } from './version.js';

/** What an instance's answer is known to be, and how it is known. */
export const ExpectedSchema = z.object({
  answer: z.enum(['SAT', 'UNSAT', 'YES', 'NO']),
  /** construction: true by how it was built; oracle: computed by an independent solver; published: from the data set. */
  source: z.enum(['construction', 'oracle', 'published']),
  /** Which oracle, when source = oracle. */
  oracle: z.string().optional(),
});
export type Expected = z.infer<typeof ExpectedSchema>;

const ProvenanceBase = z.object({
  tool: z.string(),
  version: z.string(),
  /** The command line that made the file (argv joined with spaces). */
  command: z.string(),
  /** RNG seed, or null for deterministic families. */
  seed: z.number().int().nullable(),
  /** Generator family or reduction id that produced it. */
  generator: z.string(),
  params: z.record(z.string(), z.unknown()).default({}),
  expected: ExpectedSchema.optional(),
});

export interface Provenance extends z.infer<typeof ProvenanceBase> {
  /** For reduction outputs: the provenance of the source instance. */
  from?: Provenance | undefined;
}

export const ProvenanceSchema: z.ZodType<Provenance> = ProvenanceBase.extend({
  from: z.lazy(() => ProvenanceSchema).optional(),
});

/** The command line of this process, recorded in every file we write. */
export function currentCommandLine(): string {
  const args = process.argv.slice(2).map((a) => (/[\s"'$`\\]/.test(a) ? JSON.stringify(a) : a));
  return ['seth', ...args].join(' ');
}

export function makeProvenance(
  generator: string,
  seed: number | null,
  params: Record<string, unknown>,
  expected?: Expected,
  command: string = currentCommandLine(),
): Provenance {
  const p: Provenance = { tool: TOOL_NAME, version: TOOL_VERSION, command, seed, generator, params };
  if (expected) p.expected = expected;
  return p;
}
