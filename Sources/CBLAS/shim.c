#include "CBLAS.h"
// OpenBLAS's cblas_* symbols are all this target provides; this file only gives the target a body.
