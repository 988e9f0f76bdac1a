import Testing
@testable import GANCore

/// The scratch pool hands the storage given back to the next caller of the same size, keeps at most its limit, and
/// drops the sizes given back longest ago first.
struct ScratchPoolTests {
    static func address(_ a: [Float]) -> UnsafeRawPointer? { a.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) } }

    @Test func reusesTheStorageOfTheSameSize() {
        let pool = ScratchPool(retainedLimit: 1 << 20)
        var a = pool.take(1000)
        let first = Self.address(a)
        a.withUnsafeMutableBufferPointer { $0[0] = 7 }  // unique: no copy on write
        #expect(Self.address(a) == first)
        pool.giveBack(&a)
        #expect(a.isEmpty && pool.retainedBytes == 4000)
        var b = pool.take(1000), c = pool.take(1000)
        #expect(Self.address(b) == first && Self.address(c) != first && b.count == 1000 && c.count == 1000)
        #expect(pool.retainedBytes == 0)
        pool.giveBack(&b)
        pool.giveBack(&c)
        #expect(pool.retainedBytes == 8000)
    }

    @Test func keepsNothingGivenBackOutsideTraining() {
        let pool = ScratchPool(retainedLimit: 1 << 20)
        var a = pool.take(1000)
        withNoGrad { pool.giveBack(&a) }
        #expect(a.isEmpty && pool.retainedBytes == 0)
    }

    @Test func keepsAtMostItsLimitDroppingTheOldestSizesFirst() {
        let pool = ScratchPool(retainedLimit: 10_000)
        var small = pool.take(1000), medium = pool.take(1200), large = pool.take(2000), huge = pool.take(3000)
        pool.giveBack(&small)   // 4000 bytes
        pool.giveBack(&medium)  // 8800
        pool.giveBack(&large)   // 16800 > 10000: the 1000s go, then the 1200s: 8000
        #expect(pool.retainedBytes == 8000)
        pool.giveBack(&huge)    // 12000 bytes alone: over the limit, not kept
        #expect(pool.retainedBytes == 8000)
        let again = pool.take(1000)  // a fresh array: the 1000s were dropped
        #expect(again.count == 1000 && pool.retainedBytes == 8000)
    }

    @Test func servesConcurrentCallers() async {
        let pool = ScratchPool(retainedLimit: 1 << 22)
        await withTaskGroup(of: Bool.self) { group in
            for t in 0..<8 {
                group.addTask {
                    var ok = true
                    for i in 0..<200 {
                        var a = pool.take(256 + (i % 3))
                        a.withUnsafeMutableBufferPointer { p in for j in p.indices { p[j] = Float(t) } }
                        ok = ok && a.allSatisfy { $0 == Float(t) }
                        pool.giveBack(&a)
                    }
                    return ok
                }
            }
            for await ok in group { #expect(ok) }
        }
    }
}
