import Foundation

/// Scratch arrays that kernels take for the length of one call and give back: the work buffers of an input shape
/// (Winograd's tile products, im2col's column bands) are allocated by the first call of that shape and reused by
/// every later one (each training step, each tile of a large image) instead of going through the allocator and
/// fresh pages each time. At most `retainedLimit` bytes wait in the pool between calls; past that the sizes given
/// back longest ago are dropped first, so the pool adds at most that much to a process's peak memory; 24 MiB holds
/// every work buffer of a 128x128 CycleGAN training step. Only arrays given back while gradients are recorded (a
/// training step) are kept: inference of large images is bound by memory, not by the allocator (4096x4096
/// translation peaked at 974 MiB when inference kept its buffers too, 918 MiB without, against a 1 GiB goal).
final class ScratchPool: @unchecked Sendable {
    /// The pool the kernels share (thread-safe).
    static let shared = ScratchPool(retainedLimit: 24 << 20)

    /// Bytes the pool may hold between calls.
    let retainedLimit: Int
    private let lock = NSLock()
    private var waiting: [Int: [[Float]]] = [:]
    private var sizesByRecency: [Int] = []  // sizes with waiting arrays, the one given back longest ago first
    private(set) var retainedBytes = 0

    init(retainedLimit: Int) { self.retainedLimit = retainedLimit }

    /// An array of `count` floats whose contents are unspecified (whatever its last user left): callers write
    /// every element they read, as with `[Float](uninitializedCount:)`.
    func take(_ count: Int) -> [Float] {
        let reused: [Float]? = lock.withLock {
            guard var arrays = waiting[count], let array = arrays.popLast() else { return nil }
            waiting[count] = arrays.isEmpty ? nil : arrays
            if arrays.isEmpty { sizesByRecency.removeAll { $0 == count } }
            retainedBytes -= count * MemoryLayout<Float>.stride
            return array
        }
        return reused ?? [Float](uninitializedCount: count)
    }

    /// Moves `array` (from `take`) back into the pool for the next call of its size, leaving it empty.
    func giveBack(_ array: inout [Float]) {
        let array = { defer { array = [] }; return array }()
        let bytes = array.count * MemoryLayout<Float>.stride
        guard bytes > 0 && bytes <= retainedLimit && GradientMode.isEnabled else { return }
        lock.withLock {
            while retainedBytes + bytes > retainedLimit, let oldest = sizesByRecency.first {
                let dropped = waiting.removeValue(forKey: oldest) ?? []
                retainedBytes -= dropped.count * oldest * MemoryLayout<Float>.stride
                sizesByRecency.removeFirst()
            }
            waiting[array.count, default: []].append(array)
            sizesByRecency.removeAll { $0 == array.count }
            sizesByRecency.append(array.count)
            retainedBytes += bytes
        }
    }
}
