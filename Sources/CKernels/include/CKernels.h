// CKernels: small C routines GANKit needs from the platform (allocator tuning, zlib) or wants in
// hand-tuned C. Linked with zlib (installed with libpng-dev).
#ifndef GANKIT_CKERNELS_H
#define GANKIT_CKERNELS_H

/// Keeps large allocations in the heap instead of fresh mmap regions (glibc; no-op elsewhere):
/// tensors of tens of MB are freed and allocated on every layer, and mmap'd ones would be
/// zero-faulted page by page each time.
void gk_keep_large_allocations_in_heap(void);

#include <stddef.h>

/// Inflates gzip (or zlib) data src[0, src_len) into a new buffer of at most max_out bytes.
/// Concatenated gzip members are inflated in turn. On success returns 0 and sets *out (free it with
/// gk_free) and *out_len; on failure returns -1, leaves *out NULL and writes a message into err.
int gk_gunzip(const unsigned char *src, size_t src_len, size_t max_out,
              unsigned char **out, size_t *out_len, char *err, size_t err_cap);

/// Frees a buffer returned by gk_gunzip.
void gk_free(void *pointer);

#endif
