import CBLAS

/// Row-major single-precision matrix product through OpenBLAS:
/// C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C, where op transposes when asked.
/// Leading dimensions default to densely packed matrices; pass them to address sub-matrices.
@inlinable
func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
          alpha: Float = 1, a: UnsafePointer<Float>, lda: Int? = nil, b: UnsafePointer<Float>, ldb: Int? = nil,
          beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int? = nil) {
    cblas_sgemm(CblasRowMajor,
                transposeA ? CblasTrans : CblasNoTrans,
                transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha,
                a, Int32(lda ?? (transposeA ? m : k)),
                b, Int32(ldb ?? (transposeB ? k : n)),
                beta, c, Int32(ldc ?? n))
}
