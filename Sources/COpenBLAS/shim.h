#ifndef SECURENETS_COPENBLAS_SHIM_H
#define SECURENETS_COPENBLAS_SHIM_H
// OpenBLAS's CBLAS interface; the include path comes from pkg-config (openblas).
#include <cblas.h>
#endif
