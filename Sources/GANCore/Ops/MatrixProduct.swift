/// C = A · B for row-major matrices A [m, k] and B [k, n], through OpenBLAS's sgemm.
/// No autograd: this is the raw kernel convolutions stand on, exposed for benchmarks and tools.
public func matrixProduct(_ a: Tensor, _ b: Tensor) -> Tensor {
    precondition(a.rank == 2 && b.rank == 2 && a.shape[1] == b.shape[0],
                 "matrixProduct: cannot multiply \(a.shape) by \(b.shape)")
    let m = a.shape[0], k = a.shape[1], n = b.shape[1]
    var c = Tensor.zeros([m, n])
    a.scalars.withUnsafeBufferPointer { pa in
        b.scalars.withUnsafeBufferPointer { pb in
            c.scalars.withUnsafeMutableBufferPointer { pc in
                gemm(transposeA: false, transposeB: false, m: m, n: n, k: k,
                     a: pa.baseAddress!, b: pb.baseAddress!, beta: 0, c: pc.baseAddress!)
            }
        }
    }
    return c
}
