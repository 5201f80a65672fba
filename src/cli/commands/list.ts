import { z } from 'zod';
import { ENGINES } from '../../engine/registry.js';
import { GENERATORS } from '../../generators/index.js';
import { PROBLEMS } from '../../problems/registry.js';
import { optionsOf } from '../../reduction/options.js';
import { defineCommand, print } from '../command.js';
import { jsonArgs } from '../options.js';

/** `seth list`: problems, generators, reductions, engines. */
export const listCommand = defineCommand({
  command: 'list',
  describe: 'list problems, generators, reductions and engines',
  args: z.object({ ...jsonArgs }),
  usesRegistries: true,
  run(args, ctx): Promise<number> {
    const data = {
      problems: PROBLEMS.map((p) => ({ id: p.id, title: p.title, summary: p.summary, oracle: p.oracle })),
      generators: GENERATORS.map((g) => ({ id: g.id, problem: g.problem, summary: g.summary, options: Object.keys(g.flags.shape) })),
      reductions: ctx.reductions.map((r) => ({
        id: r.id,
        source: r.source,
        target: r.target,
        title: r.title,
        overhead: r.overhead,
        options: optionsOf(r).map((o) => o.flag),
      })),
      engines: ENGINES.map((e) => ({
        name: e.name,
        kind: e.kind,
        dtypes: e.dtypes,
        summary: e.summary,
        options: Object.fromEntries(Object.entries<z.ZodType>(e.options.shape).map(([k, f]) => [k, f.description ?? ''])),
      })),
    };
    if (args.json) {
      print(JSON.stringify(data, null, 2));
      return Promise.resolve(0);
    }
    // One id column for every section, as wide as the longest id, so that every section lines up.
    const w = Math.max(
      ...[...data.problems.map((p) => p.id), ...data.generators.map((g) => g.id), ...data.reductions.map((r) => r.id), ...data.engines.map((e) => e.name)].map(
        (s) => s.length,
      ),
    );
    const pw = Math.max(...data.generators.map((g) => g.problem.length));
    const col = (s: string): string => `  ${s.padEnd(w)}  `;
    const lines: string[] = ['Problems:'];
    for (const p of data.problems) lines.push(`${col(p.id)}${p.title} — ${p.summary}`);
    lines.push('', 'Generators (seth gen <id>):');
    for (const g of data.generators) lines.push(`${col(g.id)}→ ${g.problem.padEnd(pw)}  ${g.summary}  [--${g.options.join(' --')}]`);
    lines.push('', 'Reductions (seth reduce / seth path / seth test-reduction):');
    for (const r of data.reductions) {
      const oh = Object.entries(r.overhead)
        .map(([k, f]) => (f === k ? `${k} as given` : `${k} = ${f}`))
        .join(', ');
      lines.push(`${col(r.id)}${r.source} → ${r.target}: ${r.title}`, `${col('')}overhead: ${oh}`);
      if (r.options.length > 0) lines.push(`${col('')}options: --${r.options.join(' --')}`);
    }
    lines.push('', 'Engines (--engine NAME, --engine-opt KEY=VALUE):');
    for (const e of data.engines) {
      lines.push(`${col(e.name)}[${e.dtypes.join(', ')}]${e.kind === 'approximate' ? ' approximate' : ''} ${e.summary}`);
      for (const [k, d] of Object.entries(e.options)) lines.push(`${col('')}  ${k}: ${d}`);
    }
    print(lines.join('\n'));
    return Promise.resolve(0);
  },
});
