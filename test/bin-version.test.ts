/**
 * `seth --version` answers from bin/seth.js before the CLI's module graph loads (which takes
 * seconds on a cold or loaded machine): a copy of bin/ and package.json without dist/ still
 * prints the version, and with dist/ it prints what the CLI itself prints.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT, VERSION, newTmp, runProcess } from './helpers/cli.js';

describe('seth --version', () => {
  it('prints the version without the compiled CLI', async () => {
    const dir = newTmp('seth-version-');
    mkdirSync(join(dir, 'bin'));
    copyFileSync(BIN, join(dir, 'bin', 'seth.js'));
    copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    const r = await runProcess(process.execPath, [join(dir, 'bin', 'seth.js'), '--version'], { cwd: dir });
    expect(r).toMatchObject({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
    // Anything else needs dist/: the bin says so in one line.
    const other = await runProcess(process.execPath, [join(dir, 'bin', 'seth.js'), 'list'], { cwd: dir });
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/^seth: the compiled CLI is missing \(dist\/\)/);
  });
});
