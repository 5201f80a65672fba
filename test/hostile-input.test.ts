/**
 * Regression tests for the crash classes of hostile input (issue #10): each minimized reproducer
 * lives in test/fixtures/hostile/ and must give a clean, positioned, one-line user error (or be
 * accepted correctly), never an internal error.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_CHARS, UserError, oneLineMessage } from '../src/errors.js';
import { parseNpy } from '../src/formats/npy.js';
import { parseSafetensors } from '../src/formats/safetensors.js';
import { loadOutput, writeOutputNpy } from '../src/formats/tensor-output.js';
import { parseInstance } from '../src/io/instance-file.js';
import { MAX_JSON_DEPTH, parseJsonText } from '../src/io/json-text.js';
import { makeRng } from '../src/rng.js';
import { randomTransformer } from '../src/testing/random-transformer.js';
import { READERS } from './fuzz/harness.js';
import { expectUserError, seth } from './helpers/cli.js';
import { userError } from './helpers/errors.js';

const FIX = join(import.meta.dirname, 'fixtures', 'hostile');
const fixture = (name: string): Uint8Array => readFileSync(join(FIX, name));

const load = (name: string): unknown => parseInstance(fixture(name), name);

describe('bounded JSON', () => {
  it.each([
    ['deep-problem.json', /deep-problem\.json:1:\d+: .*at most 128 levels of nesting/],
    ['deep-provenance-from.json', /deep-provenance-from\.json:1:\d+: .*nesting/],
    ['deep-params.json', /deep-params\.json:1:\d+: .*nesting/],
    ['duplicate-key.json', /duplicate-key\.json:1:44: .*'vars' a second time/],
    ['long-integer.json', /long-integer\.json:1:26: .*range of a double/],
    ['long-number-position.json', /long-number-position\.json:1:49: .*at most 400 characters/],
    ['int-wrap.json', /int-wrap\.json: field vars: .*2147483647/],
    ['bom-error.json', /bom-error\.json:1:47: /],
    ['bom-error.cnf', /bom-error\.cnf:2:3: /],
    ['error-before-binary.cnf', /error-before-binary\.cnf:2:5: expected a decimal integer/],
    ['control-chars.cnf', /control-chars\.cnf:2:3: binary data/],
    ['control-chars.json', /control-chars\.json:1:13: .*control character 0x1b/],
  ])('%s: a positioned user error', (name, pattern) => {
    const e = userError(() => load(name));
    if (!pattern.test(e.message)) throw new Error(`message does not match ${String(pattern)}: ${e.message}`);
  });

  it('a BOM is accepted the same way in DIMACS and JSON', ({ expect }) => {
    const a = parseInstance(fixture('bom.cnf'), 'bom.cnf');
    const b = parseInstance(fixture('bom.json'), 'bom.json');
    expect(a.problem).toBe('ksat');
    expect(b.problem).toBe('ksat');
    if (a.problem !== 'ksat' || b.problem !== 'ksat') return;
    expect(Array.from(a.data.lits)).toEqual(Array.from(b.data.lits));
    expect(a.data.vars).toBe(b.data.vars);
  });

  it('depth exactly at the limit is accepted, one more is refused', ({ expect }) => {
    const ok = `${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`;
    expect(() => parseJsonText(ok, 'x')).not.toThrow();
    expect(() => parseJsonText(`[${ok}]`, 'x')).toThrow(UserError);
  });

  it('a 100 000-deep document is refused quickly without recursion', ({ expect }) => {
    const d = 100_000;
    const e = userError(() => parseJsonText(`{"a":${'['.repeat(d)}${']'.repeat(d)}}`, 'deep'));
    expect(e.message).toMatch(/^deep:1:133: /);
  });

  it('an invalid byte inside a JSON string is named at its line and column', ({ expect }) => {
    const bytes = Buffer.concat([Buffer.from('{"problem":"ksat",\n"x":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    expect(userError(() => parseInstance(bytes, 'b.json')).message).toMatch(/^b\.json:2:6: expected UTF-8 text, found the byte 0xc3/);
  });

  it('safetensors: a tensor name twice in the header is refused', ({ expect }) => {
    const e = userError(() => parseSafetensors(fixture('duplicate-tensor.safetensors'), 'dup.safetensors'));
    expect(e.message).toMatch(/dup\.safetensors: not a valid safetensors file: header:1:\d+: .*'X_L' a second time/);
  });

  it('a sidecar with a deep instance_provenance is a positioned error, quickly', ({ expect }) => {
    const dir = mkdtempSync(join(tmpdir(), 'seth-hostile-'));
    const model = randomTransformer(makeRng(0), { tokens: 3, width: 2, layers: 1, heads: 1 });
    const out = join(dir, 'X.npy');
    writeOutputNpy(out, new Float64Array(6), model);
    let p = '{"tool":"t","version":"v","command":"c","seed":1,"generator":"g","params":{}}';
    for (let i = 0; i < 960; i++) p = `{"tool":"t","version":"v","command":"c","seed":1,"generator":"g","params":{},"from":${p}}`;
    writeFileSync(`${out}.json`, `{"instance_provenance":${p}}`);
    const t0 = performance.now();
    const e = userError(() => loadOutput(out, model));
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(e.message).toMatch(/X\.npy\.json:1:\d+: .*nesting/);
    expect(e.message.length).toBeLessThan(MAX_MESSAGE_CHARS);
  });
});

describe('messages: one bounded line, control characters escaped', () => {
  it('escapes C0, DEL, C1, separators and bidi overrides, and cuts long messages', ({ expect }) => {
    expect(oneLineMessage('a\u001b[31mb\u0000c\u007f\u0085\u2028\u202e')).toBe('a\\x1b[31mb\\x00c\\x7f\\x85\\u2028\\u202e');
    expect(oneLineMessage('line1\nline2')).toBe('line1 line2');
    const long = oneLineMessage('x'.repeat(100_000));
    expect(long.length).toBe(MAX_MESSAGE_CHARS);
    expect(long.endsWith('…')).toBe(true);
  });

  it('through the CLI: exit 2, one line, no raw control byte, no stack trace', async ({ expect }) => {
    for (const name of ['control-chars.cnf', 'control-chars.json', 'deep-problem.json']) {
      const r = await seth(['info', join(FIX, name)]);
      expectUserError(expect, r, name);
      // A raw control character in a message is what this test rules out.
      // eslint-disable-next-line no-control-regex
      expect(/[\u0000-\u0008\u000b-\u001f\u007f]/.test(r.stderr), r.stderr).toBe(false);
    }
  });
});

describe('non-finite results', () => {
  it('seth eval of a model whose logits overflow: exit 1 naming layer, head and row, no file written', async ({ expect }) => {
    const dir = mkdtempSync(join(tmpdir(), 'seth-hostile-'));
    const out = join(dir, 'X.json');
    const r = await seth(['eval', join(FIX, 'overflow-logits.json'), '--engine', 'reference', '-o', out]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/non-finite output NaN at layer 1, head 1, row 0/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('sizes the typed arrays and the oracle cannot hold', () => {
  it('p cnf 2000000000 1: seth solve refuses with an estimate', async ({ expect }) => {
    const r = await seth(['solve', join(FIX, 'huge-vars.cnf')]);
    expectUserError(expect, r, /witness of 2000000000 variables/, /string limit/);
  });

  it("a formula over MiniSat's fixed heap is refused up front, with the estimate", async ({ expect }) => {
    // 4 000 000 literals: about 61 MiB of the 60 MiB MiniSat can use.
    const clauses = 1_000_000;
    const lines = ['p cnf 1000 1000000'];
    for (let i = 0; i < clauses; i++) lines.push(`${1 + (i % 1000)} -${1 + ((i * 7) % 1000)} ${1 + ((i * 13) % 1000)} ${1 + ((i * 31) % 1000)} 0`);
    const dir = mkdtempSync(join(tmpdir(), 'seth-hostile-'));
    const f = join(dir, 'big.cnf');
    writeFileSync(f, `${lines.join('\n')}\n`);
    const r = await seth(['solve', f]);
    expectUserError(expect, r, /refusing to solve .* 4000000 literals/, /MiB/);
  });
});

describe('.npy headers: what numpy loads (checked with numpy 2.4 on these exact bytes)', () => {
  const reparse = READERS.find((r) => r.name === 'npy')!.reparse;
  // The fuzz suite's independent re-parser used to refuse these four: numpy evaluates the header
  // as a Python literal, so any blanks between tokens are fine.
  it.each([
    ['npy-no-blank-after-colon.npy', [1, 2], [0.5, -2]],
    ['npy-newline-after-colon.npy', [], [1.5]],
    ['npy-blanks-before-brace.npy', [0, 3], []],
    ['npy-no-blank-before-false.npy', [2], [-57, 460]],
    ['npy-long-suffix-v1.npy', [1], [1]],
  ])('%s: read by the reader and the re-parser alike', (name, shape, data) => {
    const a = parseNpy(fixture(name), name);
    expect({ shape: a.shape, data: Array.from(a.data) }).toEqual({ shape, data });
    expect(reparse(fixture(name))).toEqual({ shape, data });
  });

  // The reader used to accept these three, which numpy refuses (a SyntaxError in ast.literal_eval).
  it.each([
    ['npy-indented-dict.npy', /expected '\{' at character 0/],
    ['npy-leading-zero.npy', /without leading zeros/],
    ['npy-long-suffix-v3.npy', /suffix L .* version 3\.0 header/],
  ])('%s: refused, as numpy refuses it', (name, pattern) => {
    expect(userError(() => parseNpy(fixture(name), name)).message).toMatch(pattern);
    expect(reparse(fixture(name))).toBeUndefined();
  });
});
