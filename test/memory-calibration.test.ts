/**
 * Memory estimates against what a command really uses: `seth gen ksat` runs in a child process at
 * a few sizes (DIMACS and JSON files), its peak resident set is read at exit
 * (process.resourceUsage().maxRSS, preloaded by test/helpers/peak-rss.mjs), and the estimate the
 * command guards with (footprintBytes of the generator's footprint, the runtime baseline
 * RUNTIME_BASELINE_BYTES = 96 MiB included) must be at least the peak and at most 1.5 times it.
 * The default sizes keep the test short; SETH_MEMORY_CALIBRATION=full adds 10⁶ and 2·10⁶ clauses
 * (minutes), the numbers in docs/reliability.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { randomKsatFootprint } from '../src/generators/random-ksat.js';
import { RUNTIME_BASELINE_BYTES, footprintBytes } from '../src/memory.js';

const ROOT = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'seth-mem-cal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FULL = process.env.SETH_MEMORY_CALIBRATION === 'full';
const SIZES: readonly [number, number][] = FULL
  ? [
      [100_000, 200_000],
      [100_000, 1_000_000],
      [100_000, 2_000_000],
    ]
  : [[100_000, 200_000]];

function peakOf(args: readonly string[], env: NodeJS.ProcessEnv = {}): { peak: number; status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', join(ROOT, 'test', 'helpers', 'peak-rss.mjs'), join(ROOT, 'bin', 'seth.js'), ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 600_000,
  });
  const m = /peak-rss-bytes (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no peak reported (exit ${r.status}): ${r.stderr.slice(-500)}`);
  return { peak: Number(m[1]), status: r.status, stderr: r.stderr };
}

const mib = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;

describe('memory estimates against measured peak RSS', () => {
  it('the runtime baseline holds for a command that does almost nothing', () => {
    const { peak, status, stderr } = peakOf(['gen', 'ksat', '--vars', '1000', '--clauses', '1000', '-o', 'tiny.cnf']);
    expect(status, stderr).toBe(0);
    const estimate = footprintBytes(randomKsatFootprint({ vars: 1000, clauses: 1000, k: 3, planted: false }, 'auto'));
    console.log(`memory-calibration: gen ksat 1000·1000: estimate ${mib(estimate)}, peak ${mib(peak)} (baseline ${mib(RUNTIME_BASELINE_BYTES)})`);
    expect(estimate).toBeGreaterThanOrEqual(peak);
    expect(estimate).toBeLessThanOrEqual(1.5 * peak);
  });

  for (const format of ['auto', 'json'] as const) {
    it.each(SIZES)(`gen ksat --vars %i --clauses %i (${format === 'auto' ? 'DIMACS' : 'JSON'}): peak ≤ estimate ≤ 1.5 peak`, (vars, clauses) => {
      const file = `f-${vars}-${clauses}.${format === 'json' ? 'json' : 'cnf'}`;
      const { peak, status, stderr } = peakOf(['gen', 'ksat', '--vars', String(vars), '--clauses', String(clauses), '--format', format, '-o', file]);
      expect(status, stderr).toBe(0);
      expect(statSync(join(dir, file)).size).toBeGreaterThan(clauses * 8);
      const estimate = footprintBytes(randomKsatFootprint({ vars, clauses, k: 3, planted: false }, format));
      console.log(
        `memory-calibration: gen ksat ${vars}·${clauses} ${format}: estimate ${mib(estimate)}, peak ${mib(peak)}, ratio ${(estimate / peak).toFixed(2)}`,
      );
      expect(estimate).toBeGreaterThanOrEqual(peak);
      expect(estimate).toBeLessThanOrEqual(1.5 * peak);
    });
  }

  it('seth gen refuses with that estimate before generating', () => {
    const r = peakOf(['gen', 'ksat', '--vars', '100000', '--clauses', '200000', '-o', 'refused.cnf'], { SETH_MEMORY_LIMIT: '100MiB' });
    expect(r.status).toBe(2);
    const estimate = footprintBytes(randomKsatFootprint({ vars: 100_000, clauses: 200_000, k: 3, planted: false }, 'auto'));
    expect(r.stderr).toContain(`refusing seth gen ksat`);
    expect(r.stderr).toContain(`about ${Math.round(estimate / 2 ** 20)} MiB`);
  });
});
