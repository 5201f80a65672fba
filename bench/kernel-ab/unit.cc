// One copy of the native kernels for the A/B harness: kernel.h from the directory on the include
// path, in the namespace and under the entry point that run.sh names (-DSETH_NS, -DENTRY), so that
// two versions link into one program.
#include "kernel.h"

extern "C" const SethKernels* ENTRY() { return &SETH_NS::table; }
