/**
 * Large outputs are streamed (issue #10): streamJson writes exactly JSON.stringify's text in
 * pieces no longer than its chunk limit, and an instance whose file is many times that limit is
 * written through the atomic writer piece by piece and read back equal.
 */
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ByteSink } from '../src/io/files.js';
import { loadInstance, parseInstance, serializeInstance, streamInstance, writeInstance } from '../src/io/instance-file.js';
import { JSON_CHUNK_CHARS, streamJson, stringSink } from '../src/io/json-stream.js';
import { JsonRows } from '../src/json-rows.js';
import { generateRandomKsat } from '../src/generators/random-ksat.js';
import { generateRandomThreeOv } from '../src/generators/random-3ov.js';
import type { Instance } from '../src/problems/instance.js';
import { problemSpec } from '../src/problems/registry.js';
import { streamedJsonForm } from '../src/problems/streamed-json.js';
import { makeProvenance } from '../src/provenance.js';
import { cnfArbitrary } from '../src/testing/arbitraries/cnf.js';
import { ovArbitrary } from '../src/testing/arbitraries/ov.js';
import { threeOvArbitrary } from '../src/testing/arbitraries/three-ov.js';
import { makeRng } from '../src/rng.js';
import { randomTransformer } from '../src/testing/random-transformer.js';

const dir = mkdtempSync(join(tmpdir(), 'seth-json-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const budget = { limitBytes: 2 ** 33, force: false };

/** A sink that keeps every piece, to see how large each one was. */
function recordingSink(): ByteSink & { pieces: Buffer[] } {
  const pieces: Buffer[] = [];
  return {
    pieces,
    write(chunk: Uint8Array): void {
      pieces.push(Buffer.from(chunk));
    },
    get written(): number {
      return pieces.reduce((a, p) => a + p.length, 0);
    },
  };
}

describe('streamJson', () => {
  it('writes JSON.stringify(value, null, indent) in pieces of at most chunkChars characters', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 64 }), (value, indent, chunkChars) => {
        const sink = recordingSink();
        streamJson(sink, value, { indent, chunkChars });
        const text = Buffer.concat(sink.pieces).toString('utf8');
        expect(text).toBe(JSON.stringify(value, null, indent));
        for (const p of sink.pieces) expect(p.toString('utf8').length).toBeLessThanOrEqual(chunkChars);
      }),
      { numRuns: 400, seed: 20261201 },
    );
  });

  it('writes typed arrays and JsonRows as arrays of their elements', () => {
    const rows = new JsonRows(3, (i) => Int32Array.of(i, -i));
    const sink = stringSink();
    streamJson(sink, { a: Float64Array.of(0.5, -2), rows, empty: new JsonRows(0, () => 0) }, { indent: 1 });
    expect(sink.text()).toBe(
      JSON.stringify(
        {
          a: [0.5, -2],
          rows: [
            [0, -0],
            [1, -1],
            [2, -2],
          ],
          empty: [],
        },
        null,
        1,
      ),
    );
  });

  it('never splits a surrogate pair between pieces', () => {
    const value = { s: '😀'.repeat(50) };
    const sink = recordingSink();
    streamJson(sink, value, { chunkChars: 7 });
    for (const p of sink.pieces) expect(p.toString('utf8')).not.toContain('\ufffd');
    expect(Buffer.concat(sink.pieces).toString('utf8')).toBe(JSON.stringify(value));
  });
});

describe('the streamed JSON form of k-SAT, OV and 3-OV', () => {
  it("is the text of the problem's toJson, with and without provenance", () => {
    const instance = fc.oneof(
      cnfArbitrary({ maxVars: 6, maxClauses: 8, maxWidth: 3 }).map((data): Instance => ({ problem: 'ksat', data })),
      ovArbitrary({ maxSize: 4, maxDim: 5 }).map((data): Instance => ({ problem: 'ov', data })),
      threeOvArbitrary({ maxSize: 3, maxC: 3, maxDim: 4 }).map((data): Instance => ({ problem: '3ov', data })),
    );
    fc.assert(
      fc.property(instance, fc.boolean(), fc.integer({ min: 0, max: 2 }), (inst, prov, indent) => {
        if (prov) inst.data.provenance = makeProvenance('g', 7, { a: 1 }, undefined, 'seth gen g');
        const sink = stringSink();
        streamJson(sink, streamedJsonForm(inst), { indent, chunkChars: 16 });
        expect(sink.text()).toBe(JSON.stringify(problemSpec(inst.problem).toJson(inst.data), null, indent));
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});

describe('instances whose file is far over the chunk limit', () => {
  const LIMIT = 1000;
  const cases: [string, Instance, 'auto' | 'json'][] = [
    ['k-SAT as DIMACS', { problem: 'ksat', data: generateRandomKsat({ vars: 300, clauses: 20_000, k: 3, planted: true }, makeRng(1), 'test', budget) }, 'auto'],
    ['k-SAT as JSON', { problem: 'ksat', data: generateRandomKsat({ vars: 300, clauses: 20_000, k: 3, planted: true }, makeRng(2), 'test', budget) }, 'json'],
    [
      '3-OV',
      {
        problem: '3ov',
        data: generateRandomThreeOv({ size: 1000, sizeB: 1000, sizeC: 1000, dim: 64, density: 0.5, plant: false, no: false }, makeRng(3), 'test', budget),
      },
      'auto',
    ],
    ['transformer', { problem: 'transformer', data: randomTransformer(makeRng(4), { tokens: 40, width: 16, layers: 2, heads: 3, hidden: 8 }) }, 'auto'],
  ];

  it.each(cases)('%s: written in pieces of at most the limit, read back equal', (_name, inst, format) => {
    const sink = recordingSink();
    streamInstance(sink, inst, format, LIMIT);
    const bytes = Buffer.concat(sink.pieces);
    expect(bytes.length).toBeGreaterThan(50 * LIMIT);
    // Each piece is at most the limit (the DIMACS writer may pass it by one clause line).
    for (const p of sink.pieces) expect(p.length).toBeLessThanOrEqual(LIMIT + 64);
    // The same text as one string would have been, and the same instance after reading it.
    const spec = problemSpec(inst.problem);
    if (format === 'json' || inst.problem !== 'ksat') {
      expect(bytes.toString('utf8')).toBe(`${JSON.stringify(spec.toJson(inst.data), null, inst.problem === '3ov' ? 1 : 0)}\n`);
    }
    const back = parseInstance(bytes, 'streamed');
    expect(back.problem).toBe(inst.problem);
    expect(spec.toJson(back.data)).toEqual(spec.toJson(inst.data));
  });

  it('writeInstance streams through the atomic writer; the file reads back equal', () => {
    const [, inst] = cases[2]!;
    const file = join(dir, 'x.json');
    writeInstance(file, inst);
    expect(readFileSync(file, 'utf8')).toBe(serializeInstance(inst));
    expect(readFileSync(file).length).toBeGreaterThan(JSON_CHUNK_CHARS);
    const back = loadInstance(file);
    expect(problemSpec('3ov').toJson(back.data)).toEqual(problemSpec('3ov').toJson(inst.data));
  });
});
