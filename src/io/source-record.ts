import { resolve } from 'node:path';
import { UserError } from '../errors.js';
import { instanceFingerprint } from '../formats/fingerprint.js';
import type { MemoryBudget } from '../memory.js';
import type { Instance } from '../problems/instance.js';
import { problemSpec } from '../problems/registry.js';
import { FILE_SOURCE, currentCommandLine, makeProvenance, type Provenance } from '../provenance.js';
import { isStdio } from './files.js';
import { loadInstance, parseInstance } from './instance-file.js';

/**
 * Sources no generator made (a SATLIB file, a hand-written instance) cannot be rebuilt from a seed.
 * Before such a source enters a chain it gets a provenance record of its own, `generator: "file"`,
 * holding its content fingerprint, where it was read, and — up to EMBED_LIMIT characters of JSON —
 * the instance itself. Every model reduced from it carries that record at the end of its
 * provenance chain, so `seth check MODEL` can rebuild the source (from the embedded copy, or from
 * the recorded path, verified by fingerprint) and check the model on its own.
 */
export const EMBED_LIMIT = 4 * 1024 * 1024;

/** Give a provenance-less instance its file record (in place); instances that have provenance keep it. */
export function attachSourceRecord(instance: Instance, path: string): void {
  if (instance.data.provenance) return;
  const spec = problemSpec(instance.problem);
  const json = spec.toJson(instance.data);
  const p = makeProvenance(FILE_SOURCE, null, { problem: instance.problem, fingerprint: instanceFingerprint(instance) }, undefined, currentCommandLine());
  if (!isStdio(path)) p.location = resolve(path);
  if (JSON.stringify(json).length <= EMBED_LIMIT) p.embedded = json;
  instance.data.provenance = p;
}

/**
 * The source a file record stands for: the embedded copy, or else the file at its recorded
 * location; either must have the recorded fingerprint. `file` names the model in messages.
 */
export function sourceFromRecord(p: Provenance, file: string, budget?: MemoryBudget): Instance {
  const want = p.params.fingerprint;
  if (typeof want !== 'string') throw new UserError(`${file}: its source record has no fingerprint; check the source instance instead`);
  let inst: Instance;
  let where: string;
  if (p.embedded !== undefined) {
    where = 'the embedded source';
    inst = parseInstance(Buffer.from(JSON.stringify(p.embedded)), `${file} (embedded source)`, budget ? { budget } : {});
  } else if (p.location !== undefined) {
    where = p.location;
    inst = loadInstance(p.location, budget ? { budget } : {});
  } else {
    throw new UserError(
      `${file}: its source was read from standard input and not embedded (too large); give the source instance itself: seth check SOURCE [--output X_L]`,
    );
  }
  const got = instanceFingerprint(inst);
  if (got !== want) {
    throw new UserError(
      `${file}: ${where} has fingerprint ${got}, the model was made from ${want}; give the source instance itself: seth check SOURCE [--output X_L]`,
    );
  }
  inst.data.provenance = p;
  return inst;
}
