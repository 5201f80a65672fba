/**
 * The CLI bundle (scripts/bundle-cli.mjs → dist/cli/): bin/seth.js uses it only while every file it
 * was made from is unchanged, and it behaves exactly as the unbundled CLI in dist/src/ — including
 * the paths found relative to a module (the wasm worker, the native addon, the project root).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, INSTANCES, ROOT, runProcess, seth } from './helpers/cli.js';

/** A stand-in project: bin/seth.js as shipped, two CLIs that say which one ran, and a manifest. */
function fakeProject(): { dir: string; main: string; manifest: string; run: (env?: Record<string, string>) => Promise<string> } {
  const dir = mkdtempSync(join(tmpdir(), 'seth-bundle-'));
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'dist', 'src', 'cli'), { recursive: true });
  mkdirSync(join(dir, 'dist', 'cli'));
  copyFileSync(BIN, join(dir, 'bin', 'seth.js'));
  writeFileSync(join(dir, 'package.json'), '{"type":"module","version":"0.0.0"}\n');
  const cli = (name: string): string => `export async function run(args) { process.stdout.write(${JSON.stringify(name)} + ' ' + args.join(' ')); return 0; }\n`;
  const main = join(dir, 'dist', 'src', 'cli', 'main.js');
  writeFileSync(main, cli('unbundled'));
  writeFileSync(join(dir, 'dist', 'cli', 'seth.js'), cli('bundled'));
  const manifest = join(dir, 'dist', 'cli', 'inputs.json');
  writeFileSync(manifest, `${JSON.stringify({ inputs: [['dist/src/cli/main.js', statSync(main).mtimeMs]] })}\n`);
  const run = async (env: Record<string, string> = {}): Promise<string> => {
    const r = await runProcess(process.execPath, [join(dir, 'bin', 'seth.js'), 'check', 'x'], { cwd: dir, env });
    expect(r.code, r.stderr).toBe(0);
    return r.stdout;
  };
  return { dir, main, manifest, run };
}

const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

describe('bin/seth.js chooses the bundle only while it is fresh', () => {
  it('fresh → bundled; an input changed, the manifest missing or unreadable, or SETH_UNBUNDLED=1 → unbundled', async () => {
    const p = fakeProject();
    made.push(p.dir);
    expect(await p.run()).toBe('bundled check x');
    expect(await p.run({ SETH_UNBUNDLED: '1' })).toBe('unbundled check x');
    // A recompiled module (a bare tsc run) has a new modification time.
    const later = new Date(statSync(p.main).mtimeMs + 5000);
    utimesSync(p.main, later, later);
    expect(await p.run()).toBe('unbundled check x');
    writeFileSync(p.manifest, '{"inputs": [["dist/src/cli/main.js"');
    expect(await p.run()).toBe('unbundled check x');
    rmSync(p.manifest);
    expect(await p.run()).toBe('unbundled check x');
  });

  it('an input the bundle was made from that no longer exists → unbundled', async () => {
    const p = fakeProject();
    made.push(p.dir);
    writeFileSync(p.manifest, `${JSON.stringify({ inputs: [['dist/src/cli/gone.js', 1]] })}\n`);
    expect(await p.run()).toBe('unbundled check x');
  });
});

const bundled = existsSync(join(ROOT, 'dist', 'cli', 'inputs.json'));

describe('the bundle of this checkout', () => {
  // CI builds it at `npm ci` (prepare): there it must exist and be the one bin/seth.js runs.
  it.runIf(process.env.CI !== undefined && process.env.CI !== '')('exists and is fresh (CI)', () => {
    expect(bundled).toBe(true);
    const { inputs } = JSON.parse(readFileSync(join(ROOT, 'dist', 'cli', 'inputs.json'), 'utf8')) as { inputs: [string, number][] };
    expect(inputs.length).toBeGreaterThan(50);
    const stale = inputs.filter(([file, mtime]) => statSync(join(ROOT, file), { throwIfNoEntry: false })?.mtimeMs !== mtime);
    expect(stale).toEqual([]);
  });

  /** `seth check --json` with its clock readings (durations, the time of the run: all that may differ) removed. */
  const checkJson = async (engine: string, env: Record<string, string>): Promise<unknown> => {
    const r = await seth(['check', join(INSTANCES, 'tiny-sat.cnf'), '--engine', engine, '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout, (key, value: unknown) => (key === 'timingsMs' || key === 'time' ? undefined : value));
  };

  for (const engine of ['reference', 'wasm', 'native']) {
    it.runIf(bundled)(
      `seth check --engine ${engine}: the same report bundled and unbundled`,
      async () => {
        const [b, u] = await Promise.all([checkJson(engine, {}), checkJson(engine, { SETH_UNBUNDLED: '1' })]);
        expect(b).toEqual(u);
      },
      60_000,
    );
  }

  it.runIf(bundled)(
    'seth --help and a usage error: the same text bundled and unbundled',
    async () => {
      for (const args of [['--help'], ['check', '--help'], ['check', 'x.cnf', '--layers', 'two']]) {
        const [b, u] = await Promise.all([seth(args), seth(args, { env: { SETH_UNBUNDLED: '1' } })]);
        expect({ code: b.code, stdout: b.stdout, stderr: b.stderr }).toEqual({ code: u.code, stdout: u.stdout, stderr: u.stderr });
      }
    },
    60_000,
  );
});
