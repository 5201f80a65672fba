// bench/kernel-ab/run.sh, the A/B harness for native kernel changes (docs/engines.md): it builds
// HEAD's kernels and the working tree's into one program as the addon builds them, and reports
// both. Kept from rotting here: on tiny sizes it must build, print one table per thread count, and
// (since this checkout's kernels are either HEAD's or a change under test) give outputs that agree
// to float64 rounding; where the working tree's kernels are HEAD's, bit for bit.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/version.js';

const script = join(PROJECT_ROOT, 'bench', 'kernel-ab', 'run.sh');
// A is read from git history: a copy of the project without .git has nothing to compare against.
const runnable = process.arch === 'x64' && process.platform === 'linux' && existsSync(join(PROJECT_ROOT, '.git'));

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('bash', [script, ...args], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 240_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const unchanged = (): boolean =>
  spawnSync('git', ['diff', '--quiet', 'HEAD', '--', 'src/engine/native/kernel.h', 'src/engine/native/simd.h', 'src/engine/native/plan.h'], {
    cwd: PROJECT_ROOT,
  }).status === 0;

describe.skipIf(!runnable)('bench/kernel-ab/run.sh', () => {
  it('builds both versions and reports every size on every thread count, A and B agreeing', () => {
    const r = run(['--threads', '1 2', '--reps', '3', '--sizes', '100,16,2;64,8,1']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const rows = r.stdout.split('\n').filter((l) => /^\| \(\d+, \d+\) × \d+ \|/.test(l));
    expect(rows.map((l) => l.split('|')[1]!.trim())).toEqual(['(100, 16) × 2', '(64, 8) × 1', '(100, 16) × 2', '(64, 8) × 1']);
    expect(r.stdout).toMatch(/f64, 1 thread\(s\)/);
    expect(r.stdout).toMatch(/f64, 2 thread\(s\)/);
    const diffs = rows.map((l) => Number(l.split('|').at(-2)!.trim()));
    for (const d of diffs) expect(d).toBeLessThan(1e-12);
    if (unchanged()) for (const d of diffs) expect(d).toBe(0);
  }, 240_000);

  it('refuses what it cannot do with exit 2 and one line', () => {
    for (const args of [['--isa', 'sse2'], ['--ref', 'no-such-revision'], ['--threads', '1', '--reps', '3', '--sizes', 'x'], ['--bogus']]) {
      const r = run(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  }, 240_000);
});
