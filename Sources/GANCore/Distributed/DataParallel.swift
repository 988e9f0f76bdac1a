import CBLAS
import CMPI
import Foundation

// Data-parallel training over MPI: N processes (ranks) each take rows [r·B/N, (r+1)·B/N) of every global batch of B,
// run forward and backward on them, and average their gradients with one allreduce per optimizer step, so every rank
// applies the same update and keeps the same weights. Batch statistics (batch norm) are summed over the ranks too, so
// N ranks with B/N rows each compute what one process computes with B rows.
// With a loss that is a mean over its rows, the gradient of the global mean is the mean of the ranks' gradients:
//   ∇ (1/B) Σ_b ℓ_b = (1/N) Σ_r ∇ (N/B) Σ_{b ∈ rows(r)} ℓ_b.

/// The processes of a data-parallel run (MPI_COMM_WORLD): this one's rank and how many there are.
public struct ProcessGroup: Sendable, Equatable {
    /// This process's rank, 0-based.
    public let rank: Int
    /// The number of ranks.
    public let size: Int

    /// Whether this rank writes the run's files (checkpoints, logs, samples, progress): rank 0.
    public var isLeader: Bool { rank == 0 }

    /// The rows of a global batch of `batch` that this rank takes: [rank·batch/size, (rank+1)·batch/size).
    public func rows(of batch: Int) -> Range<Int> { (rank * batch / size)..<((rank + 1) * batch / size) }

    /// Sums `values` over every rank, in place (MPI_Allreduce).
    public func sum(_ values: inout [Float]) {
        DataParallel.reducedBytes += 4 * values.count
        let ok = values.withUnsafeMutableBufferPointer { gk_mpi_sum_floats($0.baseAddress, $0.count) == 0 }
        if !ok { Self.fail("MPI_Allreduce of \(values.count) floats") }
    }

    /// Sums `values` over every rank, in place.
    public func sum(_ values: inout [Double]) {
        DataParallel.reducedBytes += 8 * values.count
        let ok = values.withUnsafeMutableBufferPointer { gk_mpi_sum_doubles($0.baseAddress, $0.count) == 0 }
        if !ok { Self.fail("MPI_Allreduce of \(values.count) doubles") }
    }

    /// Whether `flag` is true on any rank (every rank gets the same answer).
    public func any(_ flag: Bool) -> Bool {
        var value: [Int32] = [flag ? 1 : 0]
        let ok = value.withUnsafeMutableBufferPointer { gk_mpi_max_ints($0.baseAddress, 1) == 0 }
        if !ok { Self.fail("MPI_Allreduce of a flag") }
        return value[0] != 0
    }

    /// Rank 0's `bytes`, on every rank.
    public func broadcast(_ bytes: [UInt8]) -> [UInt8] {
        var count: [Int32] = [Int32(rank == 0 ? bytes.count : 0)]
        var ok = count.withUnsafeMutableBufferPointer { gk_mpi_max_ints($0.baseAddress, 1) == 0 }
        var buffer = rank == 0 ? bytes : [UInt8](repeating: 0, count: Int(count[0]))
        ok = ok && buffer.withUnsafeMutableBytes { gk_mpi_broadcast($0.baseAddress, $0.count) == 0 }
        if !ok { Self.fail("MPI_Bcast of \(buffer.count) bytes") }
        return buffer
    }

    /// Whether every rank holds the same `text` (compared by a 62-bit hash).
    public func agrees(on text: String) -> Bool {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let high = Int32(truncatingIfNeeded: hash >> 33), low = Int32(truncatingIfNeeded: (hash >> 2) & 0x7fff_ffff)
        var values: [Int32] = [high, low, -high, -low]
        let ok = values.withUnsafeMutableBufferPointer { gk_mpi_max_ints($0.baseAddress, 4) == 0 }
        if !ok { Self.fail("MPI_Allreduce of a fingerprint") }
        return values == [high, low, -high, -low]
    }

    /// Waits until every rank gets here.
    public func barrier() { if gk_mpi_barrier() != 0 { Self.fail("MPI_Barrier") } }

    /// A collective failed (a rank has gone): say so and end every rank; a checkpoint is never half written, since
    /// the leader writes each file to a temporary name and renames it.
    static func fail(_ what: String) -> Never {
        FileHandle.standardError.write(Data("gantool: rank \(gk_mpi_rank()): \(what) failed: another rank of the job has stopped\n".utf8))
        gk_mpi_abort(70)
        exit(70)
    }
}

/// Why data-parallel training cannot start.
public enum DataParallelError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Open MPI is not installed or does not load.
    case mpiUnavailable(String)
    /// The global batch does not split evenly over the ranks.
    case batchDoesNotSplit(batch: Int, ranks: Int)
    /// An option couples the rows of a batch in a way the ranks cannot share.
    case unsupported(String)

    /// The problem and what to do.
    public var description: String {
        switch self {
        case let .mpiUnavailable(detail):
            "--distributed needs Open MPI: \(detail). Install it (Debian: apt-get install openmpi-bin libopenmpi-dev) "
                + "and start the ranks with `mpirun -np N gantool train ... --distributed`"
        case let .batchDoesNotSplit(batch, ranks):
            "the batch of \(batch) does not split evenly over \(ranks) ranks: give a batch size that is a multiple of \(ranks)"
        case let .unsupported(detail): "--distributed: \(detail)"
        }
    }
}

/// The data-parallel state of this process: nil `group` outside a distributed run.
public enum DataParallel {
    nonisolated(unsafe) private static var started: ProcessGroup?
    nonisolated(unsafe) private static var stepDepth = 0
    /// Bytes this rank has summed with the others so far (gradients, batch statistics, losses): the allreduce volume.
    nonisolated(unsafe) public internal(set) static var reducedBytes = 0

    /// The group of this process, once `start()` has run (a group of 1 under `mpirun -np 1`).
    public static var group: ProcessGroup? { started }

    /// The MPI library loaded: `GANKIT_MPI_LIBRARY` (a name or path) when set, else Open MPI's `libmpi.so.40`.
    public static var libraryName: String { ProcessInfo.processInfo.environment["GANKIT_MPI_LIBRARY"] ?? "libmpi.so.40" }

    /// Loads Open MPI (`libraryName`) and joins MPI_COMM_WORLD (once; later calls return the same group).
    /// - Throws: `DataParallelError.mpiUnavailable` when the library is missing or MPI_Init fails.
    public static func start() throws(DataParallelError) -> ProcessGroup {
        if let started { return started }
        var reason = [CChar](repeating: 0, count: 512)
        guard gk_mpi_start(libraryName, &reason, reason.count) == 0 else {
            throw .mpiUnavailable(String(decoding: reason.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        let group = ProcessGroup(rank: Int(gk_mpi_rank()), size: Int(gk_mpi_size()))
        started = group
        if group.size > 1, !group.agrees(on: kernels) {
            throw .unsupported("the ranks run different kernels (rank \(group.rank): \(kernels)): their weights would drift apart. "
                               + "Run every rank on the same CPU type, or give every rank the same OPENBLAS_CORETYPE")
        }
        return group
    }

    /// The kernels this process computes with (GANKit's GEMM path, OpenBLAS's core): ranks must agree on them, since
    /// the same update computed by other kernels rounds otherwise and the ranks' weights would part.
    public static var kernels: String { "gankit \(GemmKernel.gankitPath), openblas \(String(cString: openblas_get_corename()))" }

    /// Leaves MPI (MPI_Finalize) at the end of a distributed run.
    public static func finish() {
        guard started != nil else { return }
        gk_mpi_finish()
        started = nil
    }

    /// The group while a training step runs on more than one rank (optimizer steps average gradients and batch norm
    /// sums its statistics only then), else nil.
    public static var stepGroup: ProcessGroup? {
        guard stepDepth > 0, let started, started.size > 1 else { return nil }
        return started
    }

    /// Runs one training step collectively: every rank must call this for the same step.
    public static func collectiveStep<T>(_ body: () throws -> T) rethrows -> T {
        stepDepth += 1
        defer { stepDepth -= 1 }
        return try body()
    }

    /// The rows of a global batch of `batch` this process trains on: all of them outside a distributed run.
    public static func localRows(of batch: Int) -> Range<Int> { started.map { $0.rows(of: batch) } ?? 0..<batch }

    /// Checks that a global batch of `batch` splits evenly over the ranks.
    /// - Throws: `DataParallelError.batchDoesNotSplit`.
    public static func checkSplit(batch: Int) throws(DataParallelError) {
        if let started, batch % started.size != 0 { throw .batchDoesNotSplit(batch: batch, ranks: started.size) }
    }
}

extension Tensor {
    /// The rows `range` of the first (batch) dimension.
    public func batchRows(_ range: Range<Int>) -> Tensor {
        let rowSize = shape.dropFirst().reduce(1, *)
        guard range != 0..<shape[0] else { return self }
        var newShape = shape
        newShape[0] = range.count
        return Tensor(shape: newShape, scalars: Array(scalars[(range.lowerBound * rowSize)..<(range.upperBound * rowSize)]))
    }

    /// This process's rows of a global batch (all of them outside a distributed run).
    public var localBatch: Tensor { batchRows(DataParallel.localRows(of: shape[0])) }
}

extension Array {
    /// This process's elements of a global batch's list (all of them outside a distributed run).
    public var localBatch: [Element] { Array(self[DataParallel.localRows(of: count)]) }
}

/// Averages the gradients of `parameters` over the ranks of the running step, in one allreduce (nothing outside a
/// distributed step). A parameter without a gradient on every rank stays without one.
func averageGradientsOverRanks(_ parameters: [Variable]) {
    guard let group = DataParallel.stepGroup else { return }
    let total = parameters.reduce(0) { $0 + $1.value.count }
    var buffer = [Float](repeating: 0, count: total + parameters.count)
    var offset = 0
    for (k, p) in parameters.enumerated() {
        if let grad = p.grad {
            buffer.replaceSubrange(offset..<(offset + grad.count), with: grad.scalars)
            buffer[total + k] = 1
        }
        offset += p.value.count
    }
    group.sum(&buffer)
    let scale = 1 / Float(group.size)
    offset = 0
    for (k, p) in parameters.enumerated() {
        let count = p.value.count
        if buffer[total + k] > 0 {
            p.grad = Tensor(shape: p.value.shape, scalars: buffer[offset..<(offset + count)].map { $0 * scale })
        }
        offset += count
    }
}
