import CBLAS
import CKernels
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Row-major single-precision matrix product, through GANKit's AVX-512 kernel or OpenBLAS (see
/// `GemmKernel`): C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C, where op transposes when asked.
/// Leading dimensions default to densely packed matrices; pass them to address sub-matrices.
///
/// GANKit runs every kernel single-threaded and splits large products itself, across the cores, into
/// bands of C's columns (or rows, when C is taller than wide), the same bands on any number of cores:
/// OpenBLAS's own threads spin-yield between calls and would steal the cores from the im2col and
/// elementwise work around them.
func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
          alpha: Float = 1, a: UnsafePointer<Float>, lda: Int? = nil, b: UnsafePointer<Float>, ldb: Int? = nil,
          beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int? = nil, bfloat16: Bool = false) {
    BLASThreading.configure()
    let lda = lda ?? (transposeA ? m : k), ldb = ldb ?? (transposeB ? k : n), ldc = ldc ?? n
    let flops = 2 * m * n * k
    guard flops >= 8_000_000, max(m, n) >= 64 else {
        sgemm(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bfloat16: bfloat16)
        return
    }
    let splitColumns = n >= m
    let extent = splitColumns ? n : m
    // Bands rounded up to a multiple of 16 (OpenBLAS's full-width kernels) or, for columns on
    // GANKit's kernel, of its 64-column panels.
    let multiple = splitColumns && GemmKernel.usesGANKit(transposeB: transposeB, m: m, n: n, k: k) ? 64 : 16
    // Four bands (fewer for narrow products) whatever the core count: a band's shape picks its kernel, so the
    // split must not depend on the cores for results to be the same on any number of them.
    let parts = min(4, max(1, extent / multiple))
    let band = ((extent + parts - 1) / parts + multiple - 1) / multiple * multiple
    let chunks = (extent + band - 1) / band
    let pa = SharedConstPointer(a), pb = SharedConstPointer(b), pc = SharedPointer(c)
    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
        let start = chunk * band, size = min(band, extent - start)
        if splitColumns {
            let bStart = transposeB ? pb.base + start * ldb : pb.base + start
            sgemm(transposeA, transposeB, m, size, k, alpha, pa.base, lda, bStart, ldb, beta, pc.base + start, ldc,
                  bfloat16: bfloat16)
        } else {
            let aStart = transposeA ? pa.base + start : pa.base + start * lda
            sgemm(transposeA, transposeB, size, n, k, alpha, aStart, lda, pb.base, ldb, beta, pc.base + start * ldc, ldc,
                  bfloat16: bfloat16)
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

/// One single-threaded product on the kernel `GemmKernel.current` picks for its shape, or in
/// bfloat16 when asked (callers ask only where `InferencePrecision.productsInBFloat16` holds).
@inline(__always)
private func sgemm(_ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                   _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                   _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, bfloat16: Bool = false) {
    if bfloat16 && alpha == 1,
       gk_sgemm_bf16(transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, a, lda, b, ldb, beta, c, ldc) == 0 {
        return
    }
    if GemmKernel.usesGANKit(transposeB: transposeB, m: m, n: n, k: k) {
        gk_sgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    } else {
        openBLASSgemm(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }
}

@inline(__always)
private func openBLASSgemm(_ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                           _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                           _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
    cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// Which single-threaded sgemm GANCore's products run on (a process-wide setting, read before each product).
public enum GemmKernel: Int32, Sendable, CaseIterable, CustomStringConvertible {
    /// GANKit's kernel where the CPU has AVX-512 and the shape suits it, OpenBLAS otherwise.
    case automatic = 0
    /// OpenBLAS's cblas_sgemm everywhere (here pinned to its Haswell/AVX2 kernels).
    case openBLAS = 1
    /// GANKit's kernel (`gk_sgemm`, on the best path the CPU has) for every product.
    case gankit = 2

    /// The setting in force: `automatic` unless the environment sets GANKIT_GEMM=openblas or gankit.
    public static var current: GemmKernel {
        get { GemmKernel(rawValue: gk_gemm_kernel_choice()) ?? .automatic }
        set { gk_set_gemm_kernel_choice(newValue.rawValue) }
    }

    public var description: String {
        switch self {
        case .automatic: "automatic"
        case .openBLAS: "openblas"
        case .gankit: "gankit"
        }
    }

    /// The kernel gk_sgemm runs on this CPU: "avx512", "avx2" or "portable".
    public static var gankitPath: String {
        switch gk_sgemm_best_path() {
        case Int32(GK_SGEMM_AVX512): "avx512"
        case Int32(GK_SGEMM_AVX2): "avx2"
        default: "portable"
        }
    }

    private static let hasAVX512 = gk_sgemm_best_path() == Int32(GK_SGEMM_AVX512)

    /// Whether a product of this shape runs on GANKit's kernel. Under `automatic`: only with AVX-512
    /// (the AVX2 kernel merely matches OpenBLAS's Haswell one), and only where it measured faster
    /// (`gantool bench --only gemm`): at least 48 columns (the kernel's panels are 64 wide), at least
    /// 64³ multiply-adds (packing dominates below), and not transposed B with fewer than 128 rows
    /// (weight-gradient products of thin layers, where packing Bᵀ dominates).
    @inline(__always)
    static func usesGANKit(transposeB: Bool, m: Int, n: Int, k: Int) -> Bool {
        current.usesGANKit(transposeB: transposeB, m: m, n: n, k: k)
    }

    @inline(__always)
    func usesGANKit(transposeB: Bool, m: Int, n: Int, k: Int) -> Bool {
        switch self {
        case .openBLAS: false
        case .gankit: true
        case .automatic: GemmKernel.hasAVX512 && n >= 48 && m * n * k >= 262_144 && !(transposeB && m < 128)
        }
    }

    /// Whether this choice runs a product of `shape`'s size on GANKit's kernel.
    public func usesGANKit(m: Int, n: Int, k: Int, transposeB: Bool) -> Bool {
        usesGANKit(transposeB: transposeB, m: m, n: n, k: k)
    }

    /// One single-threaded product C = op(A) · op(B) on this kernel (`automatic` as GANCore would
    /// choose), dense row-major, beta 0: what `gantool bench` times.
    public func product(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                        a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>) {
        BLASThreading.configure()
        let lda = transposeA ? m : k, ldb = transposeB ? k : n
        if usesGANKit(transposeB: transposeB, m: m, n: n, k: k) {
            gk_sgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, 1, a, lda, b, ldb, 0, c, n)
        } else {
            openBLASSgemm(transposeA, transposeB, m, n, k, 1, a, lda, b, ldb, 0, c, n)
        }
    }
}

/// gk_sgemm on one forced path (1 portable, 2 AVX2, 3 AVX-512); false if the CPU lacks it. For tests.
func gankitSgemm(path: Int32, transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                 a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                 beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) -> Bool {
    gk_sgemm_with_path(path, transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) == 0
}

/// How GANCore shares the cores with OpenBLAS: OpenBLAS gets one thread per call, GANCore
/// runs as many calls at once as there are cores.
enum BLASThreading {
    /// Concurrent sgemm calls: the number of active cores.
    static let workers = ComputeCores.available

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

/// The cores GANKit spreads its work over.
public enum ComputeCores {
    /// Cores this process may run on: its CPU affinity mask on Linux, so `taskset -c 0 gantool ...`, cpusets and
    /// batch schedulers that pin a job are respected; at least 1.
    public static var available: Int { max(1, Int(gk_available_cores())) }
}

/// `count` independent products C_i = op(A_i) · op(B_i) (+ beta · C_i), where matrix i starts
/// `strideA`, `strideB`, `strideC` floats after matrix i-1; spread over the cores, one
/// single-threaded sgemm per product.
func batchedGemm(count: Int, transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                 a: UnsafePointer<Float>, strideA: Int, b: UnsafePointer<Float>, strideB: Int,
                 beta: Float, c: UnsafeMutablePointer<Float>, strideC: Int, bfloat16: Bool = false) {
    BLASThreading.configure()
    let lda = transposeA ? m : k, ldb = transposeB ? k : n
    let pa = SharedConstPointer(a), pb = SharedConstPointer(b), pc = SharedPointer(c)
    DispatchQueue.concurrentPerform(iterations: count) { i in
        sgemm(transposeA, transposeB, m, n, k, 1, pa.base + i * strideA, lda, pb.base + i * strideB, ldb,
              beta, pc.base + i * strideC, n, bfloat16: bfloat16)
    }
}

/// `count` matrices A_i [m×k] (row-major, `strideA` floats apart) rounded to bfloat16 and packed
/// once for `batchedGemmBFloat16` (for weights used by many products); nil without AVX512_BF16.
func packBFloat16(count: Int, m: Int, k: Int, a: UnsafePointer<Float>, strideA: Int) -> [UInt16]? {
    guard InferencePrecision.bfloat16Supported else { return nil }
    let size = gk_sgemm_bf16_packed_a_size(m, k)
    return [UInt16](unsafeUninitializedCapacity: count * size) { p, initialized in
        for i in 0..<count { gk_sgemm_bf16_pack_a(0, m, k, a + i * strideA, k, p.baseAddress! + i * size) }
        initialized = count * size
    }
}

/// `batchedGemm` (no transposes, beta 0) in bfloat16 with A_i packed by `packBFloat16`.
func batchedGemmBFloat16(count: Int, m: Int, n: Int, k: Int, packedA: [UInt16], b: UnsafePointer<Float>, strideB: Int,
                         c: UnsafeMutablePointer<Float>, strideC: Int) {
    let size = gk_sgemm_bf16_packed_a_size(m, k)
    let pb = SharedConstPointer(b), pc = SharedPointer(c)
    DispatchQueue.concurrentPerform(iterations: count) { i in
        let status = packedA.withUnsafeBufferPointer { pa in
            gk_sgemm_bf16_packed(0, m, n, k, pa.baseAddress! + i * size, pb.base + i * strideB, n, 0, pc.base + i * strideC, n)
        }
        precondition(status == 0, "gk_sgemm_bf16_packed without AVX512_BF16")
    }
}

/// gk_sgemm_bf16 (operands rounded to bfloat16, float32 sums) on its own; false without AVX512_BF16.
/// For tests (layers reach it through `InferencePrecision`).
func gankitSgemmBF16(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) -> Bool {
    gk_sgemm_bf16(transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, a, lda, b, ldb, beta, c, ldc) == 0
}

/// The arithmetic of convolution products during inference (no gradient recorded). A task-local
/// value: read on the thread that calls the layer (`Translator` binds it around its network).
public enum InferencePrecision: String, Sendable, CaseIterable {
    /// float32 everywhere: the default, and always while gradients are recorded.
    case float32
    /// Winograd and im2col convolution products with operands rounded to bfloat16 and float32 sums
    /// (AVX512_BF16, `gk_sgemm_bf16`); transposed convolutions, the thin-output head and everything
    /// else stay float32, as does every product on CPUs without AVX512_BF16.
    case bfloat16 = "bf16"

    /// The precision in force for the current task.
    @TaskLocal public static var current: InferencePrecision = .float32

    /// Whether this CPU has AVX512_BF16 (otherwise `bfloat16` computes in float32).
    public static var bfloat16Supported: Bool { gk_sgemm_bf16_supported() != 0 }

    /// Whether a convolution run now should take its products in bfloat16.
    static var productsInBFloat16: Bool { current == .bfloat16 && !GradientMode.isEnabled && bfloat16Supported }
}
