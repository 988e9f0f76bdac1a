// CBLAS: OpenBLAS's C interface, nothing else.
#ifndef GANKIT_CBLAS_H
#define GANKIT_CBLAS_H
#include <cblas.h>
#endif
