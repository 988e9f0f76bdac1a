import Dispatch

/// A raw pointer that may cross into `concurrentPerform` workers.
/// Safe only because every worker writes a disjoint range of it.
@usableFromInline
struct SharedPointer: @unchecked Sendable {
    @usableFromInline let base: UnsafeMutablePointer<Float>
    @usableFromInline init(_ base: UnsafeMutablePointer<Float>) { self.base = base }
}

/// A read-only raw pointer that may cross into `concurrentPerform` workers.
@usableFromInline
struct SharedConstPointer: @unchecked Sendable {
    @usableFromInline let base: UnsafePointer<Float>
    @usableFromInline init(_ base: UnsafePointer<Float>) { self.base = base }
}

/// Runs `body(i)` for i in 0..<count, in parallel when `count` is more than one
/// and the work is big enough (`work` is a rough element count) to be worth the threads.
@inlinable
func parallelFor(_ count: Int, work: Int = .max, _ body: @Sendable (Int) -> Void) {
    if count <= 1 || work < 16_384 {
        for i in 0..<count { body(i) }
    } else {
        DispatchQueue.concurrentPerform(iterations: count, execute: body)
    }
}

/// Splits 0..<count into contiguous chunks and runs `body` on each, in parallel when `count` is large.
@inlinable
func parallelChunks(_ count: Int, _ body: @Sendable (Range<Int>) -> Void) {
    let chunkSize = 32_768
    if count <= chunkSize {
        body(0..<count)
        return
    }
    let chunks = (count + chunkSize - 1) / chunkSize
    DispatchQueue.concurrentPerform(iterations: chunks) { k in
        body((k * chunkSize)..<min((k + 1) * chunkSize, count))
    }
}
