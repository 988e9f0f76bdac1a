#include "CKernels.h"

#include <stdlib.h>  // defines __GLIBC__ on glibc systems
#if defined(__GLIBC__)
#include <malloc.h>
#endif

void gk_keep_large_allocations_in_heap(void) {
#if defined(__GLIBC__)
    mallopt(M_MMAP_THRESHOLD, 32 << 20);  // the largest value glibc accepts (64-bit)
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}
