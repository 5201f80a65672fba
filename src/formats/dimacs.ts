import { UserError, inputError, quoteInput } from '../errors.js';
import type { ByteSink } from '../io/files.js';
import { JSON_CHUNK_CHARS, stringSink } from '../io/json-stream.js';
import { parseJsonText } from '../io/json-text.js';
import { defaultBudget, guardMemory, type MemoryBudget } from '../memory.js';
import { numClauses, type Cnf } from '../problems/ksat.js';
import { ProvenanceSchema, type Provenance } from '../provenance.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';

/**
 * DIMACS CNF reader and writer.
 *
 * The reader scans characters once (tracking line and column) and stores clauses straight into
 * typed arrays. Strict by default:
 *   - exactly one `p cnf <vars> <clauses>` problem line, before the first clause literal;
 *   - a line whose first non-blank character is `c` is a comment (also `c p cnf …`);
 *   - clauses may span lines and share lines; every body token is a decimal integer
 *     (`-?[1-9][0-9]*` or `0`), `0` ends a clause;
 *   - a literal must lie in ±1..vars; the number of clauses must equal the declared number;
 *   - the last clause must be terminated by `0`;
 *   - a line whose first non-blank character is `%` ends the formula (SATLIB's trailer); what
 *     follows it (typically a line `0`) is ignored, it is NOT an empty clause.
 * Lenient mode (`strict: false`) additionally accepts a missing problem line (vars = largest
 * |literal|, clauses = number found), a clause count different from the declared one, and
 * literals above the declared variable count (vars is raised to the largest |literal|).
 * Tokens that are not decimal integers are errors in both modes.
 *
 * Every error is a one-line `UserError` "file:line:col: expected …, found …".
 */
export interface DimacsOptions {
  /** Default true. */
  strict?: boolean;
  /** Memory budget checked against the size the header declares; default `defaultBudget()`. */
  budget?: MemoryBudget;
}

/** Largest variable index a literal can carry (literals are stored as Int32). */
const MAX_VARS = 0x7fffffff;
/** Width assumed when estimating memory from the header (3-SAT is the common case). */
const ASSUMED_WIDTH = 3;
const PROVENANCE_PREFIX = 'c provenance:';

const CH_NL = 10;
const CH_CR = 13;
const CH_TAB = 9;
const CH_VT = 11;
const CH_FF = 12;
const CH_SPACE = 32;
const CH_MINUS = 45;
const CH_0 = 48;
const CH_1 = 49;
const CH_9 = 57;
const CH_C = 99; // 'c'
const CH_P = 112; // 'p'
const CH_PERCENT = 37; // '%'
const CH_BOM = 0xfeff;

function isSpace(c: number): boolean {
  return c === CH_SPACE || c === CH_TAB || c === CH_CR || c === CH_NL || c === CH_FF || c === CH_VT;
}

/** Blank inside a line (everything `isSpace` except the newline). */
function isBlank(c: number): boolean {
  return c === CH_SPACE || c === CH_TAB || c === CH_CR || c === CH_FF || c === CH_VT;
}

/** Characters that never occur in a text file: NUL, other C0 controls, DEL, U+FFFD (undecodable bytes). */
function isBinaryChar(c: number): boolean {
  return (c < 32 && !isSpace(c)) || c === 0x7f || c === 0xfffd;
}

/** Quote a token for an error message (short, one line). */
function show(token: string): string {
  return quoteInput(token);
}

interface Header {
  vars: number;
  clauses: number;
  line: number;
}

export function parseDimacs(text: string, file: string, options: DimacsOptions = {}): Cnf {
  const strict = options.strict ?? true;
  const n = text.length;

  let line = 1;
  let lineStart = 0;
  const err = (at: number, msg: string): UserError => inputError({ file, line, col: at - lineStart + 1 }, msg);

  // Binary data is found where it occurs (in a token or a comment), so that the first problem in
  // reading order is the one reported, with its line and column.
  let header: Header | undefined;
  let provenance: Provenance | undefined;
  let sawProvenanceLine = false;

  // Clause storage, grown by doubling; bounded by what the text can hold.
  let lits = new Int32Array(1024);
  let nLits = 0;
  let offsets = new Uint32Array(256);
  let nClauses = 0; // clauses terminated so far; offsets[0..nClauses] valid
  offsets[0] = 0;
  let clauseStart = -1; // index of the first literal of the open clause, -1 when none open
  let lastTokenEnd = 0;
  let lastTokenLine = 1;
  let lastTokenLineStart = 0;
  let maxVar = 0;
  let sawToken = false;
  let sawComment = false;
  let endIndex = n; // where the formula ended (EOF or the '%' line)
  let endedByPercent = false;

  let i = 0;
  if (n > 0 && text.charCodeAt(0) === CH_BOM) {
    // A UTF-8 byte-order mark is not content; columns count from after it.
    i = 1;
    lineStart = 1;
  }

  const pushLit = (l: number): void => {
    if (nLits === lits.length) {
      const next = new Int32Array(lits.length * 2);
      next.set(lits);
      lits = next;
    }
    lits[nLits++] = l;
  };
  const pushOffset = (): void => {
    if (nClauses + 1 === offsets.length) {
      const next = new Uint32Array(offsets.length * 2);
      next.set(offsets);
      offsets = next;
    }
    offsets[++nClauses] = nLits;
  };

  /** End of the current line (index of '\n' or n). */
  const lineEnd = (from: number): number => {
    const k = text.indexOf('\n', from);
    return k === -1 ? n : k;
  };

  /** End of the token that starts at `from`. */
  const tokenEnd = (from: number): number => {
    let k = from;
    while (k < n && !isSpace(text.charCodeAt(k))) k++;
    return k;
  };

  const badToken = (start: number, end: number, expected: string): UserError => {
    const tok = text.slice(start, end);
    for (let k = 0; k < tok.length; k++) {
      if (isBinaryChar(tok.charCodeAt(k))) return err(start + k, 'binary data, expected a DIMACS CNF text file');
    }
    return err(start, `expected ${expected}, found ${show(tok)}`);
  };

  /** Parse the problem line that starts at index i (first non-blank char 'p'). Returns the index after it. */
  const parseHeader = (start: number): number => {
    const end = lineEnd(start);
    // Tokens on this line only.
    const toks: { s: number; e: number }[] = [];
    let k = start;
    while (k < end) {
      while (k < end && isBlank(text.charCodeAt(k))) k++;
      if (k >= end) break;
      const s = k;
      while (k < end && !isSpace(text.charCodeAt(k))) k++;
      toks.push({ s, e: k });
    }
    const tok = (j: number): string => text.slice(toks[j]!.s, toks[j]!.e);
    const syntax = "'p cnf <vars> <clauses>'";
    if (tok(0) !== 'p') throw badToken(toks[0]!.s, toks[0]!.e, `the problem line ${syntax}`);
    if (header !== undefined) {
      throw err(start, `expected one problem line, found a second 'p' line (the first is at line ${header.line})`);
    }
    if (sawToken) {
      throw err(start, `expected the problem line ${syntax} before the first clause, found it after clause literals`);
    }
    if (toks.length < 2) throw err(end, `expected 'cnf' after 'p' in the problem line ${syntax}, found end of line`);
    if (tok(1) !== 'cnf') throw badToken(toks[1]!.s, toks[1]!.e, `'cnf' (only CNF formulas are supported) in the problem line ${syntax}`);
    const count = (j: number, what: string): number => {
      if (toks.length <= j) throw err(end, `expected the number of ${what} in the problem line ${syntax}, found end of line`);
      const t = tok(j);
      if (!/^(0|[1-9][0-9]*)$/.test(t)) {
        throw badToken(toks[j]!.s, toks[j]!.e, `the number of ${what} (a non-negative decimal integer) in ${syntax}`);
      }
      const v = Number(t);
      if (!Number.isSafeInteger(v)) throw err(toks[j]!.s, `expected a number of ${what} below 2^53, found ${show(t)}`);
      return v;
    };
    const vars = count(2, 'variables');
    const clauses = count(3, 'clauses');
    if (toks.length > 4) throw badToken(toks[4]!.s, toks[4]!.e, `end of line after ${syntax}`);
    if (vars > MAX_VARS) throw err(toks[2]!.s, `expected at most ${MAX_VARS} variables, found ${vars}`);
    // Refuse before reading clauses when the declared size is over the memory budget.
    const estimate = vars + clauses * (4 * ASSUMED_WIDTH + 16) + 1024;
    try {
      guardMemory(`loading ${file}`, estimate, options.budget ?? defaultBudget());
    } catch (e) {
      if (e instanceof UserError) throw err(start, e.message);
      throw e;
    }
    header = { vars, clauses, line };
    // Pre-size the storage from the header, bounded by what the text can hold (a literal or a
    // terminator takes at least two characters).
    const textBound = (n >> 1) + 16;
    if (nLits === 0 && nClauses === 0) {
      lits = new Int32Array(Math.max(16, Math.min(clauses * ASSUMED_WIDTH + 16, textBound)));
      offsets = new Uint32Array(Math.max(16, Math.min(clauses + 2, textBound)));
    }
    return end;
  };

  scan: while (i < n) {
    // At the start of a line (or inside one, after a newline was consumed below).
    let c = text.charCodeAt(i);
    while (isBlank(c) && i < n) c = text.charCodeAt(++i);
    if (i >= n) break;
    if (c === CH_NL) {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === CH_C) {
      sawComment = true;
      const end = lineEnd(i);
      for (let k = i; k < end; k++) {
        if (isBinaryChar(text.charCodeAt(k))) throw err(k, 'binary data in a comment, expected a DIMACS CNF text file');
      }
      if (!sawProvenanceLine && text.startsWith(PROVENANCE_PREFIX, i)) {
        sawProvenanceLine = true;
        provenance = readProvenance(text.slice(i + PROVENANCE_PREFIX.length, end));
      }
      i = end;
      continue;
    }
    if (c === CH_P) {
      i = parseHeader(i);
      continue;
    }
    if (c === CH_PERCENT) {
      endIndex = i;
      endedByPercent = true;
      break scan;
    }
    // Body tokens until the end of this line.
    for (;;) {
      while (i < n && isBlank(text.charCodeAt(i))) i++;
      if (i >= n || text.charCodeAt(i) === CH_NL) break;
      const start = i;
      let k = i;
      let neg = false;
      let ch = text.charCodeAt(k);
      if (ch === CH_MINUS) {
        neg = true;
        ch = text.charCodeAt(++k);
      }
      let value: number;
      if (ch === CH_0 && !neg) {
        k++;
        value = 0;
      } else if (ch >= CH_1 && ch <= CH_9) {
        value = 0;
        while (k < n) {
          ch = text.charCodeAt(k);
          if (ch < CH_0 || ch > CH_9) break;
          if (value < 1e15) value = value * 10 + (ch - CH_0);
          k++;
        }
      } else {
        throw badToken(start, tokenEnd(start), 'a decimal integer literal (or 0 to end a clause)');
      }
      if (k < n && !isSpace(text.charCodeAt(k))) {
        throw badToken(start, tokenEnd(start), 'a decimal integer literal (or 0 to end a clause)');
      }
      if (header === undefined && strict) {
        throw err(start, `expected the problem line 'p cnf <vars> <clauses>' before the first clause, found ${show(text.slice(start, k))}`);
      }
      sawToken = true;
      if (value === 0) {
        if (strict && header !== undefined && nClauses === header.clauses) {
          const where = `the ${header.clauses} clause${header.clauses === 1 ? '' : 's'} declared at line ${header.line}`;
          if (clauseStart === -1) {
            throw err(start, `expected end of formula after ${where}, found a stray '0' (an empty clause)`);
          }
          throw err(start, `expected end of formula after ${where}, found one more clause (ending here)`);
        }
        pushOffset();
        clauseStart = -1;
      } else {
        if (header !== undefined && value > header.vars && strict) {
          throw err(
            start,
            header.vars === 0
              ? `expected no literals (the problem line at line ${header.line} declares 0 variables), found ${show(text.slice(start, k))}`
              : `expected a literal in ±1..${header.vars} (declared at line ${header.line}), found ${show(text.slice(start, k))}`,
          );
        }
        if (value > MAX_VARS) throw err(start, `expected a literal in ±1..${MAX_VARS}, found ${show(text.slice(start, k))}`);
        if (value > maxVar) maxVar = value;
        if (clauseStart === -1) clauseStart = start;
        pushLit(neg ? -value : value);
      }
      i = k;
      lastTokenEnd = k;
      lastTokenLine = line;
      lastTokenLineStart = lineStart;
    }
  }

  // End of the formula: end of file or the '%' line.
  const endWhat = endedByPercent ? "the '%' end marker" : 'end of file';
  if (clauseStart !== -1) {
    const startPos = positionOf(text, clauseStart);
    throw inputError(
      { file, line: lastTokenLine, col: lastTokenEnd - lastTokenLineStart + 1 },
      `expected '0' to end the clause that starts at line ${startPos.line} col ${startPos.col}, found ${endWhat}`,
    );
  }
  let vars: number;
  if (header === undefined) {
    if (!sawToken) {
      const what = n === 0 || text.trim().length === 0 ? 'an empty file' : sawComment ? 'only comments' : 'no problem line';
      throw err(endIndex, `expected a DIMACS CNF formula with a 'p cnf <vars> <clauses>' problem line, found ${what}`);
    }
    // Lenient mode only (strict mode failed at the first token).
    vars = maxVar;
  } else {
    if (strict && nClauses !== header.clauses) {
      throw err(
        endIndex,
        `expected ${header.clauses} clause${header.clauses === 1 ? '' : 's'} (declared at line ${header.line}), found ${nClauses} before ${endWhat}`,
      );
    }
    vars = Math.max(header.vars, maxVar);
  }
  const cnf: Cnf = { vars, lits: lits.slice(0, nLits), offsets: offsets.slice(0, nClauses + 1) };
  if (provenance !== undefined) cnf.provenance = provenance;
  return cnf;
}

/** 1-based line and column of an index (for places other than the one being scanned). */
function positionOf(text: string, at: number): { line: number; col: number } {
  let line = 1;
  let ls = 0;
  for (let k = text.indexOf('\n'); k !== -1 && k < at; k = text.indexOf('\n', k + 1)) {
    line++;
    ls = k + 1;
  }
  // A byte-order mark at the very start is not a column.
  const bom = line === 1 && text.charCodeAt(0) === CH_BOM ? 1 : 0;
  return { line, col: at - ls - bom + 1 };
}

function readProvenance(json: string): Provenance | undefined {
  try {
    const parsed = ProvenanceSchema.safeParse(parseJsonText(json, 'provenance comment'));
    return parsed.success ? parsed.data : undefined;
  } catch (e) {
    // A comment that is not our provenance record is just a comment.
    if (e instanceof UserError) return undefined;
    throw e;
  }
}

/** JSON in printable ASCII only: no character of it can be mistaken for a line break or for binary data. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[^\x20-\x7e]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Text for a human-readable header comment: as is when printable ASCII, else JSON-quoted ASCII. */
function oneLine(s: string): string {
  return /^[\x20-\x7e]*$/.test(s) ? s : asciiJson(s);
}

function expectedText(p: Provenance): string | undefined {
  const e = p.expected;
  if (e === undefined) return undefined;
  const how = e.source === 'oracle' ? `oracle:${e.oracle ?? 'unknown'}` : e.source;
  return oneLine(`${e.answer} (${how})`);
}

/**
 * DIMACS text: provenance comments, the problem line, one clause per line (`l1 … lk 0`; an empty
 * clause is the line `0`). `parseDimacs(writeDimacs(cnf))` gives back vars, clauses and provenance.
 * Small formulas only: files are written with streamDimacs (no string of the whole formula).
 */
export function writeDimacs(cnf: Cnf): string {
  const sink = stringSink();
  streamDimacs(sink, cnf);
  return sink.text();
}

/** DIMACS into a sink in pieces of about `chunkChars` characters (default JSON_CHUNK_CHARS). */
export function streamDimacs(sink: ByteSink, cnf: Cnf, chunkChars = JSON_CHUNK_CHARS): void {
  const head: string[] = [];
  const p = cnf.provenance;
  if (p !== undefined) {
    head.push(`c generator: ${oneLine(p.generator)}`);
    head.push(`c tool: ${oneLine(p.tool)} ${oneLine(p.version)}`);
    head.push(`c seed: ${p.seed === null ? 'none' : String(p.seed)}`);
    head.push(`c command: ${oneLine(p.command)}`);
    head.push(`c params: ${asciiJson(p.params)}`);
    const e = expectedText(p);
    if (e !== undefined) head.push(`c expected: ${e}`);
    head.push(`${PROVENANCE_PREFIX} ${asciiJson(p)}`);
  } else {
    head.push(`c tool: ${TOOL_NAME} ${TOOL_VERSION}`);
  }
  const m = numClauses(cnf);
  head.push(`p cnf ${cnf.vars} ${m}`);
  sink.write(Buffer.from(`${head.join('\n')}\n`, 'utf8'));
  const { lits, offsets } = cnf;
  let text = '';
  for (let i = 0; i < m; i++) {
    for (let q = offsets[i]!; q < offsets[i + 1]!; q++) text += `${lits[q]!} `;
    text += '0\n';
    if (text.length >= chunkChars) {
      sink.write(Buffer.from(text, 'latin1'));
      text = '';
    }
  }
  if (text.length > 0) sink.write(Buffer.from(text, 'latin1'));
}
