#!/usr/bin/env bash
# The GPU run of docs/gpu.md, as one short script: a random 3-SAT formula with 36 variables through
# L·H = 16·16 = 256 heads, evaluated by seth_torch on one CUDA GPU in bf16 and in f32, each X_L
# decoded and checked by `seth check --output` against MiniSat.
#
#   scripts/gpu-check.sh [OUT_DIR]      (default gpu-run/; needs node with this project built, and a
#                                        Python with CUDA PyTorch >= 2.1, numpy, safetensors:
#                                        $SETH_PYTHON or .venv/bin/python)
#
# Phases can run on different machines: PHASE=prepare (CPU: instance and export), PHASE=gpu (only
# Python: the two evaluations), PHASE=check (CPU: seth check); default all three.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-gpu-run}"
phase="${PHASE:-all}"
py="${SETH_PYTHON:-.venv/bin/python}"
mkdir -p "$out"
seth() { node bin/seth.js "$@"; }

if [ "$phase" = all ] || [ "$phase" = prepare ]; then
  # 153 clauses / 36 variables = 4.25, near the 3-SAT threshold; MiniSat labels the formula.
  seth gen ksat --vars 36 --clauses 153 --k 3 --seed 1 -o "$out/f36.cnf"
  # |V3| = log2(256) = 8; the other 28 variables split 14/14: n = 2·2^14 + 1 = 32769 tokens, width 157.
  seth reduce "$out/f36.cnf" --to transformer --layers 16 --heads 16 -o "$out/f36.tf.json"
  seth info "$out/f36.tf.json"
  seth export "$out/f36.tf.json" --format safetensors --dtype f32 -o "$out/f36.safetensors"
fi

if [ "$phase" = all ] || [ "$phase" = gpu ]; then
  "$py" -c 'import torch; print("torch", torch.__version__, "CUDA", torch.version.cuda, "GPU", torch.cuda.get_device_name(0))'
  for dt in bf16 f32; do
    # --repeat 3: the first evaluation includes CUDA start-up and kernel selection; record the best.
    PYTHONPATH=python "$py" -m seth_torch "$out/f36.safetensors" -o "$out/X_L.$dt.npy" \
      --device cuda --dtype "$dt" --repeat 3 --score-memory 8192
    "$py" -c 'import json, sys; c = json.load(open(sys.argv[1]))["computed_by"]; print(sys.argv[2], c["device"], "compute s", c["compute_seconds"], "attention TFLOP/s (best)", c["attention_tflops_best"])' "$out/X_L.$dt.npy.json" "$dt"
  done
fi

if [ "$phase" = all ] || [ "$phase" = check ]; then
  for dt in bf16 f32; do
    seth check "$out/f36.tf.json" --output "$out/X_L.$dt.npy" || echo "seth check on the $dt output exited $?"
  done
fi
