import { vi } from 'vitest';
import type { CliContext } from '../../src/cli/command.js';
import { run } from '../../src/cli/main.js';

export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `seth ARGS` in-process (src/cli/main.ts's run), with what it printed; `registries` as a test composes them. */
export async function sethInProcess(args: readonly string[], registries?: CliContext): Promise<InProcessResult> {
  const out: string[] = [];
  const err: string[] = [];
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  // yargs prints --help with console.log.
  const l = vi.spyOn(console, 'log').mockImplementation((...s: unknown[]) => void out.push(`${s.map(String).join(' ')}\n`));
  try {
    const code = await run(args, registries);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    o.mockRestore();
    e.mockRestore();
    l.mockRestore();
  }
}
