// Matrix transposes for layout changes (CHW <-> HWC images, Winograd weights): dst[j][i] = src[i][j], in 16×16
// blocks so that both the reads and the writes stay within a few cache lines at a time.
#include "CKernels.h"

void gk_transpose(const float *src, long rows, long cols, float *dst) {
    enum { block = 16 };
    for (long i0 = 0; i0 < rows; i0 += block) {
        long i1 = i0 + block < rows ? i0 + block : rows;
        for (long j0 = 0; j0 < cols; j0 += block) {
            long j1 = j0 + block < cols ? j0 + block : cols;
            for (long i = i0; i < i1; i++) {
                const float *from = src + i * cols;
                for (long j = j0; j < j1; j++) dst[j * rows + i] = from[j];
            }
        }
    }
}
