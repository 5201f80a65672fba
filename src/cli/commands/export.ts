import { join } from 'node:path';
import { z } from 'zod';
import { UserError, formatBytes } from '../../errors.js';
import { ONNX_IR_VERSION, ONNX_OPSET, buildOnnxModel } from '../../formats/onnx.js';
import { writeNpy } from '../../formats/npy.js';
import { SUM_OF_HEADS_FORM, TRANSFORMER_FORMAT, modelConfig, transformerMetadata, transformerTensors } from '../../formats/transformer-tensors.js';
import { writeSafetensors } from '../../formats/safetensors.js';
import { modelFingerprint } from '../../problems/fingerprint.js';
import { torchMhaElements, torchMhaMetadata, torchMhaTensors } from '../../formats/torch-mha.js';
import { isStdio, writeFolderAtomic, writeOutputAtomic } from '../../io/files.js';
import { guardMemory } from '../../memory.js';
import type { TransformerModel } from '../../problems/transformer.js';
import { makeProvenance, stampRun, type Provenance } from '../../provenance.js';
import { cliArg, defineCommand, print } from '../command.js';
import { loadModelInstance } from '../model-input.js';
import { budgetOf, forceArgs } from '../options.js';

/**
 * `seth export FILE --format onnx|safetensors|npy -o PATH`: a transformer or attention instance as
 * a model other tools run.
 *
 *  - onnx: a standard ONNX model (opset 17), input X, output X_L, weights as initializers; heads
 *    batched (default) or one chain per head (`--heads separate`). Default dtype f32.
 *  - safetensors: X and every weight (`X`, `layers.L.heads.H.W_Q|W_K|W_V`, `layers.L.mlp.W1|b1|W2|b2`)
 *    with metadata format, form, config, scale, annotations, fingerprint, provenance. Default f64.
 *  - npy: PATH is a folder receiving one `<tensor>.npy` per tensor and `manifest.json` (the same
 *    metadata, and the file of each tensor). Default f64.
 *  - torch-mha: safetensors holding the state_dict of L stock torch.nn.MultiheadAttention layers
 *    (embed dim H·m; src/formats/torch-mha.ts), loaded by `seth_torch.load_mha`. Default f64.
 *
 * Except for torch-mha, the multi-head form is the sum of heads (W_O folded into W_V). Data is
 * streamed to disk.
 */

const ExportArgs = z.object({
  file: cliArg(z.string(), 'a transformer or attention instance (JSON; - for stdin)', { positional: true }),
  format: cliArg(z.enum(['onnx', 'safetensors', 'npy', 'torch-mha']), 'what to write'),
  o: cliArg(z.string().min(1, 'give the output path with -o'), 'output file (onnx, safetensors; - for stdout) or folder (npy)', { alias: 'output' }),
  dtype: cliArg(z.enum(['f32', 'f64']).optional(), 'element type (default: f32 for onnx, f64 otherwise)'),
  heads: cliArg(z.enum(['batched', 'separate']).default('batched'), 'onnx: heads as one 3-D MatMul per projection (batched) or one chain per head'),
  ...forceArgs,
});

/** The largest protobuf message onnxruntime accepts. */
const ONNX_MAX_BYTES = 2 ** 31 - 1;

export const exportCommand = defineCommand({
  command: 'export <file>',
  describe: 'export a transformer/attention instance as ONNX, safetensors or .npy files',
  args: ExportArgs,
  async run(a): Promise<number> {
    const budget = budgetOf(a);
    const model = loadModelInstance(
      a.file,
      budget,
      `export needs a transformer or attention instance (reduce it first: seth reduce ${a.file} --to transformer)`,
    );
    const dtype = a.dtype ?? (a.format === 'onnx' ? 'f32' : 'f64');
    const provenance = stampRun(exportProvenance(model, a.format, dtype, a.heads), { instance: modelFingerprint(model), inputs: [a.file] });
    const metadata = {
      fingerprint: modelFingerprint(model),
      provenance: JSON.stringify(provenance),
    };
    const elt = dtype === 'f32' ? 4 : 8;
    const tensorBytes = elt * tensorElements(model);
    switch (a.format) {
      case 'onnx': {
        const weightBytes = tensorBytes - elt * model.tokens * model.width;
        if (weightBytes > ONNX_MAX_BYTES) {
          throw new UserError(`the weights take ${formatBytes(weightBytes)}, over the 2 GiB limit of one ONNX protobuf; export as safetensors instead`);
        }
        guardMemory('building the ONNX model', 3 * weightBytes, budget);
        const bytes = buildOnnxModel(model, {
          dtype,
          heads: a.heads,
          metadata: { format: TRANSFORMER_FORMAT, config: JSON.stringify(modelConfig(model)), annotations: JSON.stringify(model.annotations), ...metadata },
        });
        writeOutputAtomic(a.o, bytes);
        report(
          a.o,
          `ONNX (IR ${ONNX_IR_VERSION}, opset ${ONNX_OPSET}, ${dtype === 'f32' ? 'float32' : 'float64'}, heads ${a.heads}), ${formatBytes(bytes.length)}; input X [${model.tokens}, ${model.width}], output X_L; form: ${SUM_OF_HEADS_FORM}`,
        );
        return 0;
      }
      case 'safetensors': {
        writeSafetensors(a.o, transformerTensors(model, dtype), transformerMetadata(model, metadata));
        report(a.o, `safetensors (${dtype}), ${formatBytes(tensorBytes)} of tensors; form: ${SUM_OF_HEADS_FORM}`);
        return 0;
      }
      case 'torch-mha': {
        const bytes = elt * torchMhaElements(model);
        guardMemory('building the torch-mha state_dict', torchMhaElements(model) * 8, budget);
        writeSafetensors(a.o, torchMhaTensors(model, dtype), torchMhaMetadata(model, metadata));
        report(
          a.o,
          `torch-mha safetensors (${dtype}), ${formatBytes(bytes)}: ${model.layers} × nn.MultiheadAttention(embed ${model.heads * model.width}, ${model.heads} heads, batch_first) + residual; load with seth_torch.load_mha`,
        );
        return 0;
      }
      case 'npy': {
        if (isStdio(a.o)) throw new UserError('npy export writes a folder of files; give a folder with -o, not -');
        const tensors = transformerTensors(model, dtype);
        // The whole folder is one unit: written beside the target, then renamed over it (never a
        // mix of two models' tensors and an old manifest).
        writeFolderAtomic(a.o, (dir) => {
          const files: Record<string, { file: string; shape: number[]; dtype: string }> = {};
          for (const t of tensors) {
            const file = `${t.name}.npy`;
            writeNpy(join(dir, file), { shape: t.shape, data: t.data, dtype });
            files[t.name] = { file, shape: [...t.shape], dtype };
          }
          const manifest = {
            format: TRANSFORMER_FORMAT,
            form: SUM_OF_HEADS_FORM,
            config: modelConfig(model),
            scale: model.scale,
            annotations: model.annotations,
            fingerprint: metadata.fingerprint,
            provenance,
            tensors: files,
          };
          writeOutputAtomic(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
        });
        report(a.o, `${tensors.length} .npy files (${dtype}, ${formatBytes(tensorBytes)}) and manifest.json; form: ${SUM_OF_HEADS_FORM}`);
        return 0;
      }
    }
  },
});

function report(path: string, what: string): void {
  if (isStdio(path)) process.stderr.write(`seth: wrote ${what} to stdout\n`);
  else print(`wrote ${path}: ${what}`);
}

function tensorElements(model: TransformerModel): number {
  const m = model.width;
  let n = model.tokens * m + model.layers * model.heads * 3 * m * m;
  for (const p of model.mlp) if (p) n += 2 * m * p.hidden + p.hidden + m;
  return n;
}

function exportProvenance(model: TransformerModel, format: string, dtype: string, heads: string): Provenance {
  const p = makeProvenance(
    'export',
    model.provenance?.seed ?? null,
    format === 'onnx' ? { format, dtype, heads } : { format, dtype },
    model.provenance?.expected,
  );
  if (model.provenance) p.from = model.provenance;
  return p;
}
