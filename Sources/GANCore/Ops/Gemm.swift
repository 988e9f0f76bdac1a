import CBLAS

/// Row-major single-precision matrix product through OpenBLAS:
/// C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C, where op transposes when asked.
@inlinable
func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
          alpha: Float = 1, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
          beta: Float, c: UnsafeMutablePointer<Float>) {
    let lda = transposeA ? m : k
    let ldb = transposeB ? k : n
    cblas_sgemm(CblasRowMajor,
                transposeA ? CblasTrans : CblasNoTrans,
                transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(n))
}
