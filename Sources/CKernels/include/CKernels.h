// CKernels: small C routines GANKit needs from the platform (allocator tuning, zlib) or wants in
// hand-tuned C. Linked with zlib (installed with libpng-dev).
#ifndef GANKIT_CKERNELS_H
#define GANKIT_CKERNELS_H

/// Keeps large allocations in the heap instead of fresh mmap regions (glibc; no-op elsewhere):
/// tensors of tens of MB are freed and allocated on every layer, and mmap'd ones would be
/// zero-faulted page by page each time.
void gk_keep_large_allocations_in_heap(void);

#endif
