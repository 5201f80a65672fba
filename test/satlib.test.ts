import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDimacs } from '../src/formats/dimacs.js';
import { cnfToClauses, evaluateCnf, numClauses, type Cnf } from '../src/problems/ksat.js';
import { solveExhaustive } from './helpers/exhaustive-sat.js';
import { solveWithMinisat } from '../src/oracles/minisat.js';

/**
 * SATLIB uniform random 3-SAT (see ../shared/data/satlib/PROVENANCE.md): reference data from
 * outside the project, read in place. A missing folder is a failure, never a skip.
 */
const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const SATLIB = resolve(ROOT, '..', 'shared', 'data', 'satlib');

function cnfFilesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...cnfFilesUnder(p));
    else if (name.endsWith('.cnf')) out.push(p);
  }
  return out.sort();
}

const all = cnfFilesUnder(SATLIB);
const inFolder = (f: string): string[] => all.filter((p) => relative(SATLIB, p).startsWith(`${f}/`));
const cache = new Map<string, Cnf>();
function load(path: string): Cnf {
  let cnf = cache.get(path);
  if (cnf === undefined) {
    cnf = parseDimacs(readFileSync(path, 'utf8'), relative(ROOT, path));
    cache.set(path, cnf);
  }
  return cnf;
}

describe('SATLIB benchmark files', () => {
  it('the data folder is there, with the published file counts', () => {
    expect(existsSync(SATLIB), `missing ${SATLIB}: the SATLIB files are required, see docs`).toBe(true);
    expect(inFolder('uf20-91')).toHaveLength(100);
    expect(inFolder('uf50-218')).toHaveLength(20);
    expect(inFolder('uuf50-218')).toHaveLength(20);
    expect(inFolder('original-format')).toHaveLength(1);
  });

  it('every .cnf file parses in strict mode with the declared shape', () => {
    expect(all.length).toBeGreaterThan(0);
    for (const path of all) {
      const cnf = load(path);
      const uf50 = /uu?f50-218/.test(path);
      expect(cnf.vars, path).toBe(uf50 ? 50 : 20);
      expect(numClauses(cnf), path).toBe(uf50 ? 218 : 91);
      for (let i = 0; i < numClauses(cnf); i++) expect(cnf.offsets[i + 1]! - cnf.offsets[i]!, path).toBe(3);
    }
  });

  it("original-format/uf20-01.cnf (comments, '%' and '0' trailer) is the same formula as uf20-91/uf20-01.cnf", () => {
    const original = load(join(SATLIB, 'original-format', 'uf20-01.cnf'));
    const stripped = load(join(SATLIB, 'uf20-91', 'uf20-01.cnf'));
    expect(original.vars).toBe(stripped.vars);
    expect(cnfToClauses(original)).toEqual(cnfToClauses(stripped));
  });

  it('MiniSat says SAT for every uf20-91 and uf50-218 file, with a model that verifies', () => {
    const files = [...inFolder('uf20-91'), ...inFolder('uf50-218'), ...inFolder('original-format')];
    expect(files).toHaveLength(121);
    for (const path of files) {
      const cnf = load(path);
      const s = solveWithMinisat(cnf);
      expect(s.answer, path).toBe('SAT');
      expect(evaluateCnf(cnf, s.assignment!).satisfied, path).toBe(true);
    }
  });

  it('MiniSat says UNSAT for every uuf50-218 file', () => {
    const files = inFolder('uuf50-218');
    expect(files).toHaveLength(20);
    for (const path of files) expect(solveWithMinisat(load(path)).answer, path).toBe('UNSAT');
  });

  // All 100 uf20 files: 2^20 assignments each, but with the move-to-front clause order most
  // assignments are rejected by the first test, so this takes seconds, not minutes.
  it('the exhaustive solver agrees with MiniSat on all uf20-91 files', () => {
    const files = inFolder('uf20-91');
    expect(files).toHaveLength(100);
    for (const path of files) {
      const cnf = load(path);
      const s = solveExhaustive(cnf);
      expect(s.answer, path).toBe(solveWithMinisat(cnf).answer);
      expect(evaluateCnf(cnf, s.assignment!).satisfied, path).toBe(true);
    }
  });
});
