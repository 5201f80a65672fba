import { UserError } from '../errors.js';
import type { ProblemId } from '../problems/instance.js';
import type { AnyReduction } from './types.js';

/**
 * All simple chains of reductions from `from` to `to`, shortest first (ties: fewer variant steps,
 * then id order).
 * Registries are small, so exhaustive DFS is fine and lists every route, as `seth path` shows.
 */
export function findPaths(reductions: readonly AnyReduction[], from: ProblemId, to: ProblemId): AnyReduction[][] {
  const out: AnyReduction[][] = [];
  const walk = (at: ProblemId, visited: Set<ProblemId>, path: AnyReduction[]): void => {
    if (at === to && path.length > 0) {
      out.push([...path]);
      return;
    }
    for (const r of reductions) {
      if (r.source !== at || visited.has(r.target)) continue;
      visited.add(r.target);
      path.push(r);
      walk(r.target, visited, path);
      path.pop();
      visited.delete(r.target);
    }
  };
  walk(from, new Set([from]), []);
  const variants = (c: readonly AnyReduction[]): number => c.filter((r) => r.variant !== undefined).length;
  return out.sort((a, b) => a.length - b.length || variants(a) - variants(b) || chainName(a).localeCompare(chainName(b)));
}

export function chainName(chain: readonly AnyReduction[]): string {
  return chain.map((r) => r.id).join(' → ');
}

/**
 * The chain a command runs: `via` (reduction ids) exactly as given, checked to connect; otherwise
 * the shortest path from `from` to `to`. Errors are user errors naming what does not fit.
 */
export function resolveChain(reductions: readonly AnyReduction[], from: ProblemId, to: ProblemId, via: readonly string[] = []): AnyReduction[] {
  if (via.length > 0) {
    let at: ProblemId = from;
    return via.map((id) => {
      const r = reductions.find((x) => x.id === id);
      if (!r) throw new UserError(`unknown reduction "${id}"; seth list shows the registered ones`);
      if (r.source !== at) throw new UserError(`chain does not connect: ${r.id} starts from ${r.source}, but the chain is at ${at}`);
      at = r.target;
      return r;
    });
  }
  const paths = findPaths(reductions, from, to);
  if (paths.length === 0) throw new UserError(`no chain of reductions from ${from} to ${to} (seth path ${from} ${to} lists the routes)`);
  return paths[0]!;
}
