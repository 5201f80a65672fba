import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateReference } from '../src/engine/reference.js';
import { modelFingerprint } from '../src/formats/tensor-output.js';
import { buildOnnxModelProto } from '../src/formats/onnx.js';
import { modelFromSafetensors, transformerMetadata, transformerTensors } from '../src/formats/transformer-tensors.js';
import { readSafetensors, writeSafetensors } from '../src/formats/safetensors.js';
import { parseInstance, serializeInstance } from '../src/io/instance-file.js';
import { kvGroupOf, modelToJson, type TransformerModel } from '../src/problems/transformer.js';
import { makeRng } from '../src/rng.js';
import { randomTransformer } from '../src/testing/random-transformer.js';

/** The causal and grouped-query declarations of the model (src/problems/transformer.ts) in every file form. */
const dir = mkdtempSync(join(tmpdir(), 'seth-variants-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const variant = (causal: boolean, kvGroups: number | undefined): TransformerModel =>
  randomTransformer(makeRng(11), { tokens: 5, width: 3, layers: 2, heads: 4, hidden: 2, ...(causal ? { causal } : {}), ...(kvGroups ? { kvGroups } : {}) });

const parse = (text: string): TransformerModel => {
  const inst = parseInstance(Buffer.from(text), 'model.json');
  if (inst.problem !== 'transformer') throw new Error(`parsed as ${inst.problem}`);
  return inst.data;
};

describe('causal / kvGroups in the JSON form', () => {
  it.each([
    [false, undefined],
    [true, undefined],
    [false, 1],
    [true, 2],
  ] as const)('causal %s, kvGroups %s: round-trips and evaluates the same', (causal, kvGroups) => {
    const model = variant(causal, kvGroups);
    const back = parse(serializeInstance({ problem: 'transformer', data: model }));
    expect(back.causal === true).toBe(causal);
    expect(back.kvGroups).toBe(kvGroups);
    expect(modelFingerprint(back)).toBe(modelFingerprint(model));
    expect(Array.from(evaluateReference(back).output)).toEqual(Array.from(evaluateReference(model).output));
    if (kvGroups) {
      // The heads of one group share one array after loading (engines project it once).
      const per = 4 / kvGroups;
      for (let h = 0; h < 4; h++) expect(back.weights[0]![h]!.K).toBe(back.weights[0]![h - (h % per)]!.K);
      expect(kvGroupOf(back, 3)).toBe(Math.floor(3 / per));
    }
  });

  it('a plain model writes neither field, so its file and fingerprint are as before', () => {
    const model = variant(false, undefined);
    const cfg = modelToJson(model).config;
    expect('causal' in cfg || 'kvGroups' in cfg).toBe(false);
    expect(modelFingerprint({ ...model, causal: true })).not.toBe(modelFingerprint(model));
    expect(modelFingerprint({ ...model, kvGroups: 4 })).not.toBe(modelFingerprint(model));
  });

  it('rejects kvGroups that do not divide heads, and grouped heads whose W_K or W_V differ', () => {
    const json = modelToJson(variant(false, undefined));
    const bad = (cfg: object, mutate?: (j: typeof json) => void): string => {
      const j = structuredClone({ ...json, config: { ...json.config, ...cfg } });
      mutate?.(j);
      try {
        parse(JSON.stringify(j));
      } catch (e) {
        return (e as Error).message;
      }
      return 'accepted';
    };
    expect(bad({ kvGroups: 3 })).toMatch(/config\.kvGroups.*expected a divisor of heads = 4, found 3/);
    expect(bad({ kvGroups: 2 })).toMatch(/layers\[0\]\.heads\[1\]\.W_K.*heads 0\.\.1 share one W_K, but head 1 differs from head 0/);
    const grouped = modelToJson(variant(false, 2));
    const j = structuredClone(grouped);
    j.layers[1]!.heads[3]!.W_V[0]![0] = 7;
    expect(() => parse(JSON.stringify(j))).toThrow(/layers\[1\]\.heads\[3\]\.W_V.*head 3 differs from head 2/);
    expect(bad({ causal: 'yes' })).toMatch(/config\.causal/);
  });
});

describe('causal / kvGroups in safetensors and ONNX', () => {
  it('safetensors records both in config and reads them back', () => {
    const model = variant(true, 2);
    const p = join(dir, 'v.safetensors');
    writeSafetensors(p, transformerTensors(model, 'f64'), transformerMetadata(model));
    const file = readSafetensors(p);
    expect(JSON.parse(file.metadata.config!)).toMatchObject({ causal: true, kvGroups: 2 });
    const back = modelFromSafetensors(file, p);
    expect(back.causal).toBe(true);
    expect(back.kvGroups).toBe(2);
    expect(modelFingerprint(back)).toBe(modelFingerprint(model));
  });

  it('safetensors refuses a kvGroups declaration its tensors break', () => {
    const model = variant(false, undefined);
    const p = join(dir, 'bad.safetensors');
    writeSafetensors(p, transformerTensors(model, 'f64'), transformerMetadata({ ...model, kvGroups: 1 }));
    expect(() => modelFromSafetensors(readSafetensors(p), p)).toThrow(/bad\.safetensors: kvGroups = 1: layer 0 head 1 has a W_K different/);
  });

  it('the ONNX export masks a causal model (an additive −∞ mask above the diagonal) and names both declarations', () => {
    const proto = buildOnnxModelProto(variant(true, 2));
    const mask = proto.graph!.initializer!.find((t) => t.name === 'causal_mask')!;
    expect(mask.dims!.map(Number)).toEqual([5, 5]);
    const f = new Float32Array(new Uint8Array(mask.rawData!).slice().buffer);
    expect(f[0 * 5 + 1]).toBe(-Infinity);
    expect(f[1 * 5 + 0]).toBe(0);
    expect(f[4 * 5 + 4]).toBe(0);
    expect(proto.graph!.node!.filter((nd) => nd.input!.includes('causal_mask'))).toHaveLength(2);
    expect(proto.graph!.docString).toMatch(/causal, kvGroups 2/);
    expect(buildOnnxModelProto(variant(false, undefined)).graph!.initializer!.some((t) => t.name === 'causal_mask')).toBe(false);
  });
});
