// CBLAS: OpenBLAS's CBLAS interface (Debian libopenblas-dev).
#ifndef FANYI_CBLAS_SHIM_H
#define FANYI_CBLAS_SHIM_H
#include <cblas.h>
#endif
