import CBLAS
import CKernels
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Row-major single-precision matrix product through OpenBLAS:
/// C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C, where op transposes when asked.
/// Leading dimensions default to densely packed matrices; pass them to address sub-matrices.
///
/// GANKit runs OpenBLAS single-threaded and splits large products itself, across the cores, into
/// bands of C's columns (or rows, when C is taller than wide): OpenBLAS's own threads spin-yield
/// between calls and would steal the cores from the im2col and elementwise work around them.
func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
          alpha: Float = 1, a: UnsafePointer<Float>, lda: Int? = nil, b: UnsafePointer<Float>, ldb: Int? = nil,
          beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int? = nil) {
    BLASThreading.configure()
    let lda = lda ?? (transposeA ? m : k), ldb = ldb ?? (transposeB ? k : n), ldc = ldc ?? n
    let workers = BLASThreading.workers
    let flops = 2 * m * n * k
    guard workers > 1, flops >= 8_000_000, max(m, n) >= 64 else {
        sgemm(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
        return
    }
    let splitColumns = n >= m
    let extent = splitColumns ? n : m
    // Bands rounded up to a multiple of 16 so that each keeps OpenBLAS's full-width kernels.
    let band = ((extent + workers - 1) / workers + 15) / 16 * 16
    let chunks = (extent + band - 1) / band
    let pa = SharedConstPointer(a), pb = SharedConstPointer(b), pc = SharedPointer(c)
    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
        let start = chunk * band, size = min(band, extent - start)
        if splitColumns {
            let bStart = transposeB ? pb.base + start * ldb : pb.base + start
            sgemm(transposeA, transposeB, m, size, k, alpha, pa.base, lda, bStart, ldb, beta, pc.base + start, ldc)
        } else {
            let aStart = transposeA ? pa.base + start : pa.base + start * lda
            sgemm(transposeA, transposeB, size, n, k, alpha, aStart, lda, pb.base, ldb, beta, pc.base + start * ldc, ldc)
        }
    }
}

/// One single-threaded product (no splitting), for callers that already run on every core.
func serialGemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    BLASThreading.configure()
    sgemm(transposeA, transposeB, m, n, k, 1, a, lda, b, ldb, beta, c, ldc)
}

@inline(__always)
private func sgemm(_ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                   _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                   _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
    cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// How GANCore shares the cores with OpenBLAS: OpenBLAS gets one thread per call, GANCore
/// runs as many calls at once as there are cores.
enum BLASThreading {
    /// Concurrent sgemm calls: the number of active cores.
    static let workers = max(1, ProcessInfo.activeCores)

    private static let configured: Bool = {
        openblas_set_num_threads(1)
        // Activations and im2col buffers of tens of MB are allocated and freed on every layer.
        // Served by mmap, each would be mapped, zero-faulted page by page and unmapped again
        // (a third of the time of a forward pass); kept in the heap, they are reused.
        gk_keep_large_allocations_in_heap()
        return true
    }()

    /// Puts OpenBLAS in single-threaded mode and keeps large buffers in the heap (once per process).
    static func configure() {
        // Reading the value (not just touching a Void) keeps the optimiser from dropping the set-up.
        precondition(configured)
    }
}

enum ProcessInfo {
    /// Cores this process may run on.
    static var activeCores: Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
}

/// `count` independent products C_i = op(A_i) · op(B_i) (+ beta · C_i), where matrix i starts
/// `strideA`, `strideB`, `strideC` floats after matrix i-1; spread over the cores, one
/// single-threaded sgemm per product.
func batchedGemm(count: Int, transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                 a: UnsafePointer<Float>, strideA: Int, b: UnsafePointer<Float>, strideB: Int,
                 beta: Float, c: UnsafeMutablePointer<Float>, strideC: Int) {
    BLASThreading.configure()
    let lda = transposeA ? m : k, ldb = transposeB ? k : n
    let pa = SharedConstPointer(a), pb = SharedConstPointer(b), pc = SharedPointer(c)
    DispatchQueue.concurrentPerform(iterations: count) { i in
        sgemm(transposeA, transposeB, m, n, k, 1, pa.base + i * strideA, lda, pb.base + i * strideB, ldb,
              beta, pc.base + i * strideC, n)
    }
}
