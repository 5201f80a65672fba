import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { parseDimacs, writeDimacs } from '../src/formats/dimacs.js';
import { cnfFromClauses, cnfToClauses, type Cnf } from '../src/problems/ksat.js';
import { ProvenanceSchema, makeProvenance, type Provenance } from '../src/provenance.js';
import { cnfArbitrary } from '../src/testing/arbitraries/cnf.js';

const FILE = 'bad.cnf';

function parseError(text: string, options?: Parameters<typeof parseDimacs>[2]): UserError {
  try {
    parseDimacs(text, FILE, options);
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  throw new Error(`expected a UserError for ${JSON.stringify(text)}`);
}

/** The error names file:line:col, is one line, and mentions each of `needles`. */
function expectError(text: string, line: number, col: number, ...needles: (string | RegExp | number)[]): UserError {
  const e = parseError(text);
  expect(e.message).not.toContain('\n');
  expect(e.message.startsWith(`${FILE}:${line}:${col}: `), e.message).toBe(true);
  for (const n of needles) expect(e.message).toMatch(typeof n === 'number' ? String(n) : n);
  return e;
}

function clauses(text: string, options?: Parameters<typeof parseDimacs>[2]): { vars: number; clauses: number[][] } {
  const cnf = parseDimacs(text, 'ok.cnf', options);
  return { vars: cnf.vars, clauses: cnfToClauses(cnf) };
}

describe('parseDimacs: bad input is a one-line UserError at file:line:col', () => {
  const H = 'p cnf 3 2\n';
  it.each([
    ['1.5', `${H}1.5 2 0\n3 0\n`, 2, 1],
    ['x', `${H}1 x 0\n3 0\n`, 2, 3],
    ['--3', `${H}1 2 0\n--3 0\n`, 3, 1],
    ['+3', `${H}1 2 0\n+3 0\n`, 3, 1],
    ['01', `${H}01 2 0\n3 0\n`, 2, 1],
    ['-0', `${H}1 -0\n3 0\n`, 2, 3],
    ['-', `${H}1 - 2 0\n3 0\n`, 2, 3],
    ['3a', `${H}1 2 0\n   3a 0\n`, 3, 4],
    ['c', `${H}1 2 c 0\n3 0\n`, 2, 5],
    ['%5', `${H}1 2 0\n3 %5 0\n`, 3, 3],
  ])('non-decimal token %s', (tok, text, line, col) => {
    expectError(text, line, col, 'expected a decimal integer', `'${tok}'`);
  });

  it('literal above the declared variable count', () => {
    expectError(`${H}1 2 0\n-3 4 0\n`, 3, 4, "'4'", '±1..3', 'line 1');
  });

  it('literal with no variables declared', () => {
    expectError('p cnf 0 1\n1 0\n', 2, 1, '0 variables');
  });

  it('literal too large for Int32', () => {
    expectError('p cnf 3 1\n99999999999999999999 0\n', 2, 1, '±1..3');
  });

  it('more clauses than declared: at the terminator of the first extra clause', () => {
    expectError(`${H}1 2 0\n3 0\n-1\n -2 0\n`, 5, 5, 'one more clause', '2 clauses declared at line 1');
  });

  it('more clauses than declared: a stray 0 is named as an empty clause', () => {
    expectError(`${H}1 2 0 3 0 0\n`, 2, 11, "stray '0'", 'empty clause');
  });

  it('fewer clauses than declared', () => {
    expectError(`p cnf 3 3\n1 2 0\n3 0\n`, 4, 1, 'expected 3 clauses', 'found 2', 'end of file');
  });

  it("fewer clauses than declared before SATLIB's '%'", () => {
    expectError(`p cnf 3 3\n1 2 0\n3 0\n%\n0\n`, 4, 1, 'expected 3 clauses', 'found 2', "'%'");
  });

  it('unterminated last clause at end of file', () => {
    expectError(`${H}1 2 0\n3 -1`, 3, 5, "expected '0'", 'line 3 col 1', 'end of file');
    expectError(`${H}1 2 0\n3\n-1\n\n`, 4, 3, "expected '0'", 'line 3 col 1');
  });

  it("unterminated last clause before '%'", () => {
    expectError(`${H}1 2 0\n3\n%\n0\n`, 3, 2, "expected '0'", "'%'");
  });

  it('missing problem line: at the first clause token', () => {
    expectError('c hello\n\n  1 2 0\n', 3, 3, "'p cnf <vars> <clauses>'", 'before the first clause', "'1'");
  });

  it('problem line after clauses (lenient mode too)', () => {
    const e = parseError('1 2 0\np cnf 2 1\n', { strict: false });
    expect(e.message).toMatch(/^bad\.cnf:2:1: .*after clause literals/);
  });

  it('missing problem line: comments only', () => {
    expectError('c one\nc two\n', 3, 1, 'only comments');
  });

  it('missing problem line: SATLIB trailer only', () => {
    expectError('c x\n%\n0\n', 2, 1, "'p cnf");
  });

  it('second problem line names the first', () => {
    expectError(`c x\n${H}1 2 0\np cnf 3 2\n3 0\n`, 4, 1, "second 'p' line", 'line 2');
    expectError(`${H}p cnf 3 2\n1 2 0\n3 0\n`, 2, 1, "second 'p' line", 'line 1');
  });

  it('empty, blank and whitespace-only files', () => {
    expectError('', 1, 1, 'empty file');
    expectError('\n\n', 3, 1, 'empty file');
    expectError(' \t \r\n  ', 2, 3, 'empty file');
  });

  it('binary garbage', () => {
    expectError('\u0000\u0001\u0002\u00ff', 1, 1, 'binary data, expected a DIMACS CNF text file');
    expectError(`${H}1 2 0\n3\u0000 0\n`, 3, 2, 'binary data');
    expectError(`${H}1 2 \ufffd\ufffd 0\n3 0\n`, 2, 5, 'binary data');
    // Binary beyond the 64 KiB sample is still caught at the token.
    const pad = 'c padding\n'.repeat(7000);
    const e = parseError(`${H}${pad}1 2 0\n\u0007 0\n`);
    expect(e.message).toMatch(/^bad\.cnf:7003:1: binary data/);
  });

  it.each([
    ['p cnf 3', 1, 8, 'number of clauses', 'end of line'],
    ['p', 1, 2, "'cnf'", 'end of line'],
    ['p dnf 3 1', 1, 3, "'cnf'", "'dnf'"],
    ['p cnf x 1', 1, 7, 'number of variables', "'x'"],
    ['p cnf -3 1', 1, 7, 'number of variables', "'-3'"],
    ['p cnf 3 1.0', 1, 9, 'number of clauses', "'1.0'"],
    ['p cnf 3 1 7', 1, 11, 'end of line', "'7'"],
    ['pcnf 3 1', 1, 1, 'problem line', "'pcnf'"],
    ['p cnf 99999999999 1', 1, 7, 'at most 2147483647 variables'],
    ['p cnf 3 99999999999999999999', 1, 9, 'below 2^53'],
  ])('malformed problem line %j', (header, line, col, ...needles) => {
    expectError(`${header}\n1 0\n`, line, col, ...needles);
  });

  it('a declared size over the memory budget is refused before reading clauses', () => {
    const e = parseError('c big\np cnf 5 100000000000\n1 0\n', { budget: { limitBytes: 1 << 30, force: false } });
    expect(e.message).toMatch(/^bad\.cnf:2:1: refusing loading bad\.cnf: it would need about .* (TiB|GiB)/);
    expect(e.message).toContain('--force');
    expect(e.message).not.toContain('\n');
    // Default budget: 2.8 TB is over any machine we run on.
    expect(() => parseDimacs('p cnf 5 100000000000\n1 0\n', FILE)).toThrow(/refusing loading bad\.cnf/);
  });

  it('--force lets a big declared size through (then the count check applies)', () => {
    const e = parseError('p cnf 5 100000000000\n1 0\n', { budget: { limitBytes: 1, force: true } });
    expect(e.message).toMatch(/^bad\.cnf:3:1: expected 100000000000 clauses/);
  });
});

describe('parseDimacs: well-formed variants', () => {
  const expected = { vars: 3, clauses: [[1, -2], [2, 3, -1], [-3]] };

  it.each([
    ['one clause per line', 'p cnf 3 3\n1 -2 0\n2 3 -1 0\n-3 0\n'],
    ['clauses spanning lines', 'p cnf 3 3\n1\n-2 0 2\n3\n-1\n0\n-3\n0'],
    ['clauses sharing a line', 'p cnf 3 3\n1 -2 0 2 3 -1 0 -3 0\n'],
    ['comments anywhere', 'c a\np cnf 3 3\nc b\n1 -2 0\n  c c 1 2 3\n2 3\nc inside a clause\n-1 0\n-3 0\nc end\n'],
    ["'c p cnf' before the real header", 'c p cnf 3 1\nc p cnf 9 9\np cnf 3 3\n1 -2 0\n2 3 -1 0\n-3 0\n'],
    ['tabs and extra spaces', 'p\tcnf  3 \t 3 \n\t1\t-2  0\n2 3\t-1 0\t\n -3 0'],
    ['CRLF line endings', 'c x\r\np cnf 3 3\r\n1 -2 0\r\n2 3 -1 0\r\n-3 0\r\n'],
    ['trailing whitespace and blank lines', 'p cnf 3 3   \n1 -2 0   \n\n\n2 3 -1 0 \n-3 0\n\n   \n'],
    ['no final newline', 'p cnf 3 3\n1 -2 0\n2 3 -1 0\n-3 0'],
    ["SATLIB '%' / '0' trailer", 'c SATLIB\np cnf 3  3 \n 1 -2 0\n2 3 -1 0\n-3 0\n%\n0\n\n'],
    ["SATLIB trailer, garbage after '%'", 'p cnf 3 3\n1 -2 0\n2 3 -1 0\n-3 0\n  %\n0\nwhatever 1.5 x\np cnf 1 1\n'],
    ['UTF-8 byte-order mark', '\ufeffp cnf 3 3\n1 -2 0\n2 3 -1 0\n-3 0\n'],
  ])('%s', (_name, text) => {
    expect(clauses(text)).toEqual(expected);
  });

  it('SATLIB original layout: the 0 after % is not an empty clause', () => {
    const text = 'c This Formular is generated by mcnf\nc\np cnf 3  2 \n 1 -2 3 0\n-1 2 -3 0\n%\n0\n\n';
    expect(clauses(text)).toEqual({
      vars: 3,
      clauses: [
        [1, -2, 3],
        [-1, 2, -3],
      ],
    });
  });

  it('empty clauses, duplicates and tautologies are kept as written', () => {
    expect(clauses('p cnf 2 4\n0\n1 1 -2 0\n2 -2 0\n0\n')).toEqual({ vars: 2, clauses: [[], [1, 1, -2], [2, -2], []] });
  });

  it('zero variables and zero clauses', () => {
    expect(clauses('p cnf 0 0\n')).toEqual({ vars: 0, clauses: [] });
    expect(clauses('p cnf 0 1\n0\n')).toEqual({ vars: 0, clauses: [[]] });
    expect(clauses('p cnf 7 0\n')).toEqual({ vars: 7, clauses: [] });
  });

  it('error columns are 1-based and count from after a byte-order mark', () => {
    const e = parseError('\ufeffp cnf 1 1\nx 0\n');
    expect(e.message).toMatch(/^bad\.cnf:2:1: /);
    const e2 = parseError('\ufeffp cnf 1 x\n1 0\n');
    expect(e2.message).toMatch(/^bad\.cnf:1:9: /);
  });

  it('a file with 10^6 clauses parses (scanner, not per-token regexes)', () => {
    const n = 1_000_000;
    const vars = 1000;
    const parts: string[] = [`p cnf ${vars} ${n}`];
    for (let i = 0; i < n; i++) parts.push(`${(i % vars) + 1} -${((i * 7) % vars) + 1} ${((i * 13) % vars) + 1} 0`);
    const cnf = parseDimacs(parts.join('\n'), 'big.cnf');
    expect(cnf.offsets.length).toBe(n + 1);
    expect(cnf.lits.length).toBe(3 * n);
    expect(Array.from(cnf.lits.subarray(3 * 999_999))).toEqual([1000, -((999_999 * 7) % vars) - 1, ((999_999 * 13) % vars) + 1]);
  });
});

describe('parseDimacs: lenient mode', () => {
  const lenient = { strict: false };
  it('missing header: vars = largest |literal|, clauses = found', () => {
    expect(clauses('c no header\n1 -5 0\n2 0\n', lenient)).toEqual({ vars: 5, clauses: [[1, -5], [2]] });
  });
  it('clause count mismatches are tolerated', () => {
    expect(clauses('p cnf 3 5\n1 0\n', lenient)).toEqual({ vars: 3, clauses: [[1]] });
    expect(clauses('p cnf 3 1\n1 0 2 0 0\n', lenient)).toEqual({ vars: 3, clauses: [[1], [2], []] });
  });
  it('a literal above the declared count raises vars', () => {
    expect(clauses('p cnf 3 1\n1 -7 0\n', lenient)).toEqual({ vars: 7, clauses: [[1, -7]] });
  });
  it('non-decimal tokens are still errors', () => {
    const e = parseError('p cnf 3 1\n1 1.5 0\n', lenient);
    expect(e.message).toMatch(/^bad\.cnf:2:3: expected a decimal integer/);
    const e2 = parseError('1 x 0\n', lenient);
    expect(e2.message).toMatch(/^bad\.cnf:1:3: /);
  });
  it('empty input is still an error', () => {
    expect(parseError('', lenient).message).toMatch(/^bad\.cnf:1:1: .*empty file/);
  });
});

// ---------------------------------------------------------------------------------------------
// write → parse

const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('', 'a\nb', 'x\r\ny', '\u2028', '\ufffd', 'é ü'));
const expectedArb = fc.record(
  {
    answer: fc.constantFrom('SAT' as const, 'UNSAT' as const, 'YES' as const, 'NO' as const),
    source: fc.constantFrom('construction' as const, 'oracle' as const, 'published' as const),
    oracle: text,
  },
  { requiredKeys: ['answer', 'source'] },
);
const paramValue = fc.oneof(fc.integer(), text, fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 4 }));
const provenanceBase = fc.record(
  {
    tool: text,
    version: text,
    command: text,
    seed: fc.option(fc.integer(), { nil: null }),
    generator: text,
    // '__proto__' is left out: zod's record parsing (ProvenanceSchema) does not keep such a key.
    params: fc.dictionary(
      fc.string().filter((k) => k !== '__proto__'),
      paramValue,
      { maxKeys: 4, noNullPrototype: true },
    ),
    expected: expectedArb,
  },
  { requiredKeys: ['tool', 'version', 'command', 'seed', 'generator', 'params'] },
);
const provenanceArb: fc.Arbitrary<Provenance> = fc
  .tuple(provenanceBase, fc.option(provenanceBase, { nil: undefined }))
  .map(([p, from]) => (from === undefined ? p : { ...p, from }));

function roundTrip(cnf: Cnf): Cnf {
  return parseDimacs(writeDimacs(cnf), 'roundtrip.cnf');
}

describe('writeDimacs → parseDimacs', () => {
  it('is the identity on vars and clauses (empty clauses, duplicates, tautologies, unused variables)', () => {
    fc.assert(
      fc.property(cnfArbitrary({ maxVars: 12, maxClauses: 30, maxWidth: 6, allowEmptyClauses: true }), (cnf) => {
        const back = roundTrip(cnf);
        expect(back.vars).toBe(cnf.vars);
        expect(cnfToClauses(back)).toEqual(cnfToClauses(cnf));
        expect(back.provenance).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips provenance, whatever its strings hold', () => {
    fc.assert(
      fc.property(cnfArbitrary({ maxVars: 5, maxClauses: 5 }), provenanceArb, (cnf, p) => {
        expect(ProvenanceSchema.safeParse(p).success).toBe(true);
        const written = writeDimacs({ ...cnf, provenance: p });
        // Every header line is a comment, the file still has exactly one problem line.
        const lines = written.split('\n');
        const header = lines.slice(
          0,
          lines.findIndex((l) => l.startsWith('p ')),
        );
        for (const l of header) expect(l.startsWith('c ')).toBe(true);
        const back = parseDimacs(written, 'roundtrip.cnf');
        expect(back.provenance).toEqual(p);
        expect(cnfToClauses(back)).toEqual(cnfToClauses(cnf));
      }),
      { numRuns: 300 },
    );
  });

  it('writes the documented header', () => {
    const p = makeProvenance(
      'random-ksat',
      0,
      { k: 3, n: 2 },
      { answer: 'SAT', source: 'oracle', oracle: 'minisat (logic-solver)' },
      'seth gen random-ksat --seed 0',
    );
    const out = writeDimacs(cnfFromClauses(2, [[1, -2], [], [2, 2]], p));
    const lines = out.split('\n');
    expect(lines[0]).toBe('c generator: random-ksat');
    expect(lines[1]).toMatch(/^c tool: seth-workbench \d+\.\d+\.\d+/);
    expect(lines[2]).toBe('c seed: 0');
    expect(lines[3]).toBe('c command: seth gen random-ksat --seed 0');
    expect(lines[4]).toBe('c params: {"k":3,"n":2}');
    expect(lines[5]).toBe('c expected: SAT (oracle:minisat (logic-solver))');
    expect(lines[6]).toMatch(/^c provenance: \{/);
    expect(lines.slice(7)).toEqual(['p cnf 2 3', '1 -2 0', '0', '2 2 0', '']);
    expect(writeDimacs(cnfFromClauses(1, [[1]], { ...p, seed: null, expected: undefined }))).toContain('c seed: none\n');
  });

  it('ignores a malformed provenance line', () => {
    const cnf = parseDimacs('c provenance: {"tool": 1}\np cnf 1 1\n1 0\n', 'x.cnf');
    expect(cnf.provenance).toBeUndefined();
    const cnf2 = parseDimacs('c provenance: {not json\np cnf 1 1\n1 0\n', 'x.cnf');
    expect(cnf2.provenance).toBeUndefined();
    expect(cnfToClauses(cnf2)).toEqual([[1]]);
  });
});
