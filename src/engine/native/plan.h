// The interface between the N-API glue (addon.cc, compiled for the baseline x86-64) and the kernel
// translation units (kernel-avx2.cc, kernel-avx512.cc, each compiled with its own target flags).
// Plain C structs and function pointers only: no C++ standard-library template crosses it, so
// nothing compiled for AVX-512 can be shared with code that runs on an AVX2-only CPU.
#pragma once

#include <cstdint>

/** Runs fn(ctx, item, thread) for item = 0 … items−1 on the pool's threads; returns when all are done. */
typedef void (*SethTaskFn)(void* ctx, int item, int thread);
struct SethRunner {
  void (*run)(void* self, int items, SethTaskFn fn, void* ctx);
  void* self;
  int threads;
};

/** One forward pass. Inputs are float64 (the model's own arrays); f32 engines convert them. */
struct SethModel {
  int f32;
  int n, m, L, H;
  int kvGroups;  // heads h share the key/value projection of head (h / (H / kvGroups))·(H / kvGroups)
  int causal;    // query i attends to keys j ≤ i
  int residual;
  double scale;
  const double* X;                 // n×m
  const double* const* Wq;         // L·H pointers to m×m (index l·H + h)
  const double* const* Wk;         // L·H (only the first head of each group is read)
  const double* const* Wv;         // L·H
  const int* hidden;               // L entries; 0 = identity MLP
  const double* const* W1;         // L pointers (m×hidden), null where identity
  const double* const* b1;
  const double* const* W2;         // hidden×m
  const double* const* b2;
  double* out;                     // n×m
  double* perHead;                 // L·H·n·m, or null
  int poison;                      // fill all working memory with NaN first (tests)
  void (*progress)(void* ctx, int done);  // after each layer, done = heads finished so far
  void* progressCtx;
  // Results: the first non-finite value (smallest layer, then head, then row); head = H for the
  // layer's MLP output. -1 when all are finite.
  int badLayer, badHead, badRow;
  char error[256];
};

/** A bare attention batch (already projected Q, K, V per head) for the benchmark. */
struct SethAttention;

struct SethKernels {
  const char* isa;
  int lanes64;  // f64 lanes per vector
  /** 0 on success; otherwise model->error says why. */
  int (*evaluate)(SethModel* model, const SethRunner* runner);
  SethAttention* (*prepare)(int f32, int n, int d, int heads, double scale, int causal, const double* Q, const double* K, const double* V);
  void (*run)(int f32, SethAttention* a, const SethRunner* runner);
  /** out: heads·n·d */
  void (*read)(int f32, const SethAttention* a, double* out);
  void (*release)(int f32, SethAttention* a);
  /** y[i] = e^{x[i]} through the kernel's vectorised exp, inputs below `cut` give 0. */
  void (*exp)(int f32, const double* x, double* y, long count, double cut);
  /** GFLOP/s of a multiply-add loop on every thread of the runner (`iters` per accumulator). */
  double (*peak)(int f32, const SethRunner* runner, long iters);
};

const SethKernels* seth_kernels_avx2();
const SethKernels* seth_kernels_avx512();
