// The kernels for AVX-512F (512-bit vectors); compiled with -mavx512f (binding.gyp) and chosen at
// run time only where cpuid reports AVX-512F (addon.cc).
#define SETH_AVX512 1
#define SETH_NS seth_avx512
#define SETH_ISA_NAME "avx512"
#include "kernel.h"

const SethKernels* seth_kernels_avx512() { return &seth_avx512::table; }
