import { REDUCTIONS } from '../../reductions/index.js';
import { UserError } from '../errors.js';
import { PROBLEM_IDS, type ProblemId } from '../problems/instance.js';
import { resolveChain } from '../reduction/path.js';
import type { AnyReduction } from '../reduction/types.js';
import type { Args } from './command.js';

/** `--via a,b` as a list of reduction ids. */
export function viaOf(via: string | undefined): string[] {
  return via !== undefined && via.length > 0 ? via.split(',').map((s) => s.trim()) : [];
}

export function viaFrom(args: Args): string[] {
  return viaOf(typeof args.via === 'string' ? args.via : undefined);
}

/** `--to` as a problem id (default transformer). */
export function toFrom(args: Args): ProblemId {
  const to = typeof args.to === 'string' ? args.to : 'transformer';
  if (!(PROBLEM_IDS as readonly string[]).includes(to)) throw new UserError(`option --to: unknown problem "${to}"; expected one of ${PROBLEM_IDS.join(', ')}`);
  return to as ProblemId;
}

export function chooseTargetChain(from: ProblemId, args: Args): AnyReduction[] {
  return resolveChain(REDUCTIONS, from, toFrom(args), viaFrom(args));
}
