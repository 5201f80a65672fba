import { UserError } from '../errors.js';
import type { ProblemId } from '../problems/instance.js';
import { problemSpec } from '../problems/registry.js';
import { chainName, resolveChain } from '../reduction/path.js';
import type { AnyReduction } from '../reduction/types.js';

const SHAPE_KEYS = ['layers', 'heads'] as const;

function takes(r: AnyReduction, key: string): boolean {
  return key in r.optionsSchema.shape;
}

/**
 * `--layers`/`--heads` shape what the chain's last reduction builds. Where that reduction takes no
 * such option (ov-to-attention builds one head; 3ov-to-ov a plain OV instance), an earlier step
 * may still read it (ksat-to-3ov sizes C from L·H) and the user's L × H would be silently lost or
 * mis-applied: refuse with one line that names the chain and one that would take the option.
 */
export function refuseUnusedShape(chain: readonly AnyReduction[], given: Readonly<Record<string, unknown>>, reductions: readonly AnyReduction[]): void {
  const last = chain.at(-1);
  if (last === undefined) return;
  const unused = SHAPE_KEYS.filter((k) => given[k] !== undefined && !takes(last, k));
  if (unused.length === 0) return;
  const flags = unused.map((k) => `--${k}`).join(' and ');
  const from: ProblemId = chain[0]!.source;
  let instead = '';
  try {
    const shaped = resolveChain(reductions, from, 'transformer');
    const end = shaped.at(-1);
    if (end !== undefined && unused.every((k) => takes(end, k))) instead = `, or --via ${shaped.map((r) => r.id).join(',')} for an L-layer, H-head transformer`;
  } catch {
    // no chain from this problem to a transformer: nothing to suggest
  }
  const { layers, heads } = last.overhead;
  const builds =
    layers !== undefined && heads !== undefined ? `it builds layers = ${layers}, heads = ${heads}` : `it builds a ${problemSpec(last.target).title}`;
  throw new UserError(
    `option${unused.length > 1 ? 's' : ''} ${flags}: the chain ${chainName(chain)} ends in ${last.id}, which takes no ${unused.join(' or ')} (${builds}); drop ${flags}${instead}`,
  );
}
