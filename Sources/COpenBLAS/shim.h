#ifndef ICRL_COPENBLAS_SHIM_H
#define ICRL_COPENBLAS_SHIM_H
// pkg-config's `openblas` puts OpenBLAS's own include folder first, so this is
// OpenBLAS's cblas.h (with openblas_set_num_threads and friends), not the
// reference CBLAS header.
#include <cblas.h>
#endif
