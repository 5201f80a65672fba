import { createHash } from 'node:crypto';
import { asJsonList } from '../json-rows.js';
import type { Instance } from '../problems/instance.js';
import { streamedJsonForm } from '../problems/streamed-json.js';
import { problemSpec } from '../problems/registry.js';
import { modelFingerprint } from './tensor-output.js';

/**
 * SHA-256 of an instance's content, written "sha256:<hex>": for models the tensor fingerprint that
 * outputs are checked against (`modelFingerprint`), for every other problem the canonical JSON
 * form (keys sorted) without provenance. Two files holding the same instance — DIMACS or JSON,
 * made by any command — have the same fingerprint.
 */
export function instanceFingerprint(instance: Instance): string {
  if (instance.problem === 'transformer' || instance.problem === 'attention') return modelFingerprint(instance.data);
  // Rows made one at a time (k-SAT, OV, 3-OV): hashing a large instance builds no tree of it.
  const json = streamedJsonForm(instance) ?? problemSpec(instance.problem).toJson(instance.data);
  const h = createHash('sha256');
  // Pieces are gathered into ~64 KiB strings: one hash update per token would be millions of calls.
  let buf = '';
  writeCanonical(json, (s) => {
    buf += s;
    if (buf.length >= 1 << 16) {
      h.update(buf);
      buf = '';
    }
  });
  h.update(buf);
  return `sha256:${h.digest('hex')}`;
}

/** Canonical JSON, streamed in pieces (instances may be large), the top-level `provenance` left out. */
function writeCanonical(v: unknown, out: (s: string) => void, top = true): void {
  const list = asJsonList(v);
  if (list) {
    out('[');
    for (let i = 0; i < list.length; i++) {
      if (i > 0) out(',');
      writeCanonical(list.at(i), out, false);
    }
    out(']');
    return;
  }
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([k, x]) => x !== undefined && !(top && k === 'provenance'))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    out('{');
    entries.forEach(([k, x], i) => {
      if (i > 0) out(',');
      out(`${JSON.stringify(k)}:`);
      writeCanonical(x, out, false);
    });
    out('}');
    return;
  }
  out(JSON.stringify(v) ?? 'null');
}
