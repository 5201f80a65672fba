/**
 * A reader that stops early (`seth check … | head -1`, `| true`) closes stdout under the CLI: the process
 * ends quietly with its status instead of an unhandled EPIPE stack trace.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT } from './helpers/cli.js';

describe('seth with its stdout closed early', () => {
  it('check --explain | true: exit 0, nothing on stderr', async () => {
    const child = spawn(process.execPath, [BIN, 'check', join(ROOT, 'instances', 'uf20-like-sat.cnf'), '--layers', '2', '--heads', '2', '--explain'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Like `| true`: the read end of the pipe is closed before the CLI writes its first line.
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(stderr).not.toMatch(/EPIPE|at .*\(node:/);
    expect(code).toBe(0);
  }, 60_000);
});
