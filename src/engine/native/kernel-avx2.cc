// The kernels for AVX2 + FMA (256-bit vectors); compiled with -mavx2 -mfma (binding.gyp).
#define SETH_AVX2 1
#define SETH_NS seth_avx2
#define SETH_ISA_NAME "avx2"
#include "kernel.h"

const SethKernels* seth_kernels_avx2() { return &seth_avx2::table; }
