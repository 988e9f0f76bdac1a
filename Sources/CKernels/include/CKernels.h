// CKernels: small C routines GANKit needs from the platform (allocator tuning, zlib) or wants in
// hand-tuned C. Linked with zlib (installed with libpng-dev).
#ifndef GANKIT_CKERNELS_H
#define GANKIT_CKERNELS_H

/// Keeps large allocations in the heap instead of fresh mmap regions (glibc; no-op elsewhere):
/// tensors of tens of MB are freed and allocated on every layer, and mmap'd ones would be
/// zero-faulted page by page each time.
void gk_keep_large_allocations_in_heap(void);

/// Cores this process may run on: the size of its CPU affinity mask on Linux (so taskset, cpusets and
/// batch schedulers that pin a job are respected), else the online processors; at least 1.
int gk_available_cores(void);

#include <stddef.h>
#include <stdint.h>

/// Inflates gzip (or zlib) data src[0, src_len) into a new buffer of at most max_out bytes.
/// Concatenated gzip members are inflated in turn. On success returns 0 and sets *out (free it with
/// gk_free) and *out_len; on failure returns -1, leaves *out NULL and writes a message into err.
int gk_gunzip(const unsigned char *src, size_t src_len, size_t max_out,
              unsigned char **out, size_t *out_len, char *err, size_t err_cap);

/// Frees a buffer returned by gk_gunzip.
void gk_free(void *pointer);

/// Single-precision GEMM paths: GK_SGEMM_AUTO takes the best the CPU supports at run time.
enum { GK_SGEMM_AUTO = 0, GK_SGEMM_PORTABLE = 1, GK_SGEMM_AVX2 = 2, GK_SGEMM_AVX512 = 3 };

/// Row-major C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C (op transposes when trans* is
/// nonzero), single-threaded, on the best kernel the CPU has (AVX-512, AVX2+FMA, portable C).
/// With beta 0, C is not read.
void gk_sgemm(int transA, int transB, long m, long n, long k, float alpha, const float *a, long lda,
              const float *b, long ldb, float beta, float *c, long ldc);

/// gk_sgemm on one given path (tests compare them); returns -1 (and does nothing) if the CPU lacks it.
int gk_sgemm_with_path(int path, int transA, int transB, long m, long n, long k, float alpha, const float *a,
                       long lda, const float *b, long ldb, float beta, float *c, long ldc);

/// 1 if this CPU can run `path`, else 0.
int gk_sgemm_path_supported(int path);

/// The path gk_sgemm takes on this CPU.
int gk_sgemm_best_path(void);

/// 1 if this CPU has AVX512_BF16 (gk_sgemm_bf16 runs), else 0.
int gk_sgemm_bf16_supported(void);

/// Inference product in bfloat16: C = bf16(op(A)) · bf16(op(B)) + beta · C, operands rounded to
/// bfloat16 while packing, products summed in float32 (AVX512_BF16). Returns -1 (and does
/// nothing) without AVX512_BF16.
int gk_sgemm_bf16(int transA, int transB, long m, long n, long k, const float *a, long lda, const float *b,
                  long ldb, float beta, float *c, long ldc);

/// gk_sgemm_bf16 in two steps, for an A used by many products (Winograd's weights): op(A) rounded
/// and packed once into `ap` (gk_sgemm_bf16_packed_a_size(m, k) halves), then any number of
/// products C = ap · bf16(op(B)) + beta · C (-1 without AVX512_BF16).
long gk_sgemm_bf16_packed_a_size(long m, long k);
void gk_sgemm_bf16_pack_a(int transA, long m, long k, const float *a, long lda, uint16_t *ap);
int gk_sgemm_bf16_packed(int transB, long m, long n, long k, const uint16_t *ap, const float *b, long ldb,
                         float beta, float *c, long ldc);

/// Thin-output convolution (few output channels: an RGB head), stride 1, no padding, one image:
/// out[o][y][x] = bias[o] + Σ_c Σ_i Σ_j weight[o][c][i][j] · in[c][y + i][x + j] for output rows
/// [y0, y1) of out [o][h - kh + 1][w - kw + 1]; in is [c][h][w], weight [o][c][kh][kw], bias [o] or NULL.
/// Single-threaded, on the best path the CPU has (the GK_SGEMM_* paths).
void gk_thin_conv2d(const float *in, long c, long h, long w, const float *weight, long o, long kh, long kw,
                    const float *bias, float *out, long y0, long y1);

/// gk_thin_conv2d on one given path (tests compare them); returns -1 (and does nothing) if the CPU lacks it.
int gk_thin_conv2d_with_path(int path, const float *in, long c, long h, long w, const float *weight, long o, long kh,
                             long kw, const float *bias, float *out, long y0, long y1);

/// 1 if this CPU runs the Winograd transform kernels below (AVX-512), else 0.
int gk_winograd_kernels_supported(void);

/// Winograd F(m×m, 3×3) input transform (m = outputTile, 2 or 4; α = m + 2) of one channel's plane [h][w]
/// (zero padding `padding`), tile rows [ty0, ty1) of `tilesWide` tiles: v[ξ·positionStride + (ty - ty0)·tilesWide + tx]
/// = (Bᵀ d B)[ξ] for the α×α tile d at (m·ty - padding, m·tx - padding), zeros outside the plane.
/// -1 (nothing done) without AVX-512 or for another m.
int gk_winograd_input(int outputTile, const float *plane, long h, long w, long padding, long tilesWide, long ty0,
                      long ty1, float *v, long positionStride);

/// Winograd F(m×m, 3×3) output transform of one channel: for tile rows [ty0, ty1), the m×m tile
/// Aᵀ M A + bias, M[ξ] = m[ξ·positionStride + (ty - ty0)·tilesWide + tx], written into out
/// [outHeight][outWidth] at (m·ty, m·tx) (outputs past the edges dropped). -1 without AVX-512 or for another m.
int gk_winograd_output(int outputTile, const float *m, long positionStride, long tilesWide, long ty0, long ty1,
                       float bias, float *out, long outHeight, long outWidth);

/// Weight gradient of gk_thin_conv2d for channels [c0, c1) of one image: dweight[o][c][i][j] +=
/// Σ_y Σ_x grad[o][y][x] · in[c][y + i][x + j], grad [o][h - kh + 1][w - kw + 1]. AVX-512 only (kw <= 8);
/// returns -1 (and does nothing) elsewhere, where callers keep their product-per-tap path.
int gk_thin_conv2d_weight_grad(const float *in, long c, long h, long w, const float *grad, long o, long kh, long kw,
                               float *dweight, long c0, long c1);

/// gk_thin_conv2d_weight_grad on one given path (GK_SGEMM_PORTABLE: a double-precision loop, or
/// GK_SGEMM_AVX512), for tests; -1 if the CPU lacks it or for AVX2 (no such variant).
int gk_thin_conv2d_weight_grad_with_path(int path, const float *in, long c, long h, long w, const float *grad, long o,
                                         long kh, long kw, float *dweight, long c0, long c1);

/// The adjoint of gk_winograd_output (F(4×4) only): dm[ξ·positionStride + (ty - ty0)·tilesWide + tx] =
/// (A dY Aᵀ)[ξ] for the 4×4 tile of dy [outHeight][outWidth] at (4·ty, 4·tx), outputs past the edges read as 0.
/// -1 without AVX-512 or for another tile.
int gk_winograd_output_adjoint(int outputTile, const float *dy, long outHeight, long outWidth, long tilesWide, long ty0,
                               long ty1, float *dm, long positionStride);

/// The adjoint of gk_winograd_input (F(4×4) only): image [h][w] += B dV Bᵀ of every tile in rows [ty0, ty1)
/// (overlapping tiles add up; positions in the padding are dropped). -1 without AVX-512 or for another tile.
int gk_winograd_input_adjoint(int outputTile, const float *dv, long positionStride, long h, long w, long padding,
                              long tilesWide, long ty0, long ty1, float *image);

/// Winograd F(4×4, 3×3) weight transform for output channel o: u[ξ·positionStride + o·channels + c] = (G g Gᵀ)[ξ] for
/// c < channels, g = weight[o][c] (3×3). -1 without AVX-512 or for another tile.
int gk_winograd_weights(int outputTile, const float *weight, long o, long channels, float *u, long positionStride);

/// Winograd F(4×4, 3×3) weight gradient for output channel o: dweight[o][c][3][3] += Gᵀ dU[o][c] G for
/// c < channels, where dU[ξ][o][c] = du[ξ·positionStride + o·channels + c]. -1 without AVX-512 or for another tile.
int gk_winograd_weights_adjoint(int outputTile, const float *du, long positionStride, long o, long channels,
                                float *dweight);

/// dst[j·rows + i] = src[i·cols + j]: the transpose of a row-major rows × cols matrix (no overlap), in cache blocks.
void gk_transpose(const float *src, long rows, long cols, float *dst);

/// 1 if this CPU runs the channels-in-lanes Winograd kernels below (AVX-512), else 0.
int gk_winograd4x4_channels_supported(void);

/// F(4×4, 3×3) input transform of one HWC image x [h][w][c] (zero padding `padding`), sixteen channels per vector:
/// v[ξ·positionStride + t·c + ch] = (Bᵀ d B)[ξ] of channel ch's 6×6 tile at (4·ty - padding, 4·tx - padding), t =
/// firstTile + ty·tilesWide + tx, for every tile of the tilesHigh × tilesWide grid. -1 (nothing done) without AVX-512.
int gk_winograd4x4_input_channels(const float *x, long h, long w, long c, long padding, long tilesHigh, long tilesWide,
                                  float *v, long positionStride, long firstTile);

/// F(4×4, 3×3) output transform into one HWC image y [outHeight][outWidth][o]: the 4×4 tile at (4·ty, 4·tx) of channel
/// ch is Aᵀ M A + bias[ch] (bias may be NULL), M[ξ] = m[ξ·positionStride + t·o + ch] (t as above); outputs past the
/// edges dropped. -1 without AVX-512.
int gk_winograd4x4_output_channels(const float *m, long positionStride, long firstTile, long tilesHigh, long tilesWide,
                                   long o, const float *bias, float *y, long outHeight, long outWidth);

/// The adjoint of gk_winograd4x4_output_channels: dm[ξ·positionStride + t·o + ch] = (A dY Aᵀ)[ξ] of the 4×4 tile of
/// dy [outHeight][outWidth][o] at (4·ty, 4·tx) (outputs past the edges read as 0). -1 without AVX-512.
int gk_winograd4x4_output_adjoint_channels(const float *dy, long outHeight, long outWidth, long o, long tilesHigh,
                                           long tilesWide, float *dm, long positionStride, long firstTile);

/// The adjoint of gk_winograd4x4_input_channels: dx [h][w][c] += B dV Bᵀ of every tile (overlapping tiles add up;
/// positions in the padding dropped). -1 without AVX-512.
int gk_winograd4x4_input_adjoint_channels(const float *dv, long positionStride, long firstTile, long h, long w, long c,
                                          long padding, long tilesHigh, long tilesWide, float *dx);

/// One Adam step (torch.optim.Adam, L2 weight_decay) over count elements of one parameter:
/// g = grad + weightDecay·theta; m = beta1·m + (1-beta1)·g; v = beta2·v + (1-beta2)·g²;
/// theta -= learningRate · (m/correction1) / (√(v/correction2) + epsilon), correction1 = 1 - beta1ᵗ,
/// correction2 = 1 - beta2ᵗ. Single-threaded, on the best path the CPU has (AVX-512 or portable C).
void gk_adam_step(long count, const float *grad, float *theta, float *m, float *v, float beta1, float beta2,
                  float epsilon, float weightDecay, float learningRate, float correction1, float correction2);

/// gk_adam_step on one given path (GK_SGEMM_PORTABLE or GK_SGEMM_AVX512), for tests; -1 (nothing done)
/// if the CPU lacks it or for AVX2 (no such variant).
int gk_adam_step_with_path(int path, long count, const float *grad, float *theta, float *m, float *v, float beta1,
                           float beta2, float epsilon, float weightDecay, float learningRate, float correction1,
                           float correction2);

/// im2col for channel planes of one image with AVX-512, strides 1 and 2: for output rows [y0, y1),
/// columns[(i·kw + j)·tileColumns + (y - y0)·ow + x] = plane[y·stride - padding + i·dilation][x·stride - padding +
/// j·dilation], zero outside the plane [h][w]. -1 (nothing done) for other strides or without AVX-512.
int gk_im2col_channel(const float *plane, long h, long w, long kh, long kw, long stride, long padding, long dilation,
                      long ow, long y0, long y1, float *columns, long tileColumns);

/// The adjoint of gk_im2col_channel: adds every column entry back into plane [h][w] (entries outside it dropped).
/// -1 (nothing done) for other strides or without AVX-512.
int gk_col2im_channel(const float *columns, long h, long w, long kh, long kw, long stride, long padding, long dilation,
                      long ow, long y0, long y1, float *plane, long tileColumns);

/// A process-wide choice GANCore reads before each product (GemmKernel's raw value; atomic): 0
/// automatic, 1 OpenBLAS, 2 gk_sgemm; initially from the environment, GANKIT_GEMM=automatic|openblas|gankit.
int gk_gemm_kernel_choice(void);
void gk_set_gemm_kernel_choice(int choice);

#endif
