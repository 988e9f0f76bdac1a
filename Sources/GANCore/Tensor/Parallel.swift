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

/// A batch of `images` split into groups of consecutive images for layers whose planes are too small to split
/// inside (28x28 digits, 7x7 feature maps): each group runs on one core with its own buffers and one product over
/// all of its images' columns. The split depends on the layer's shape alone, never on the core count, and partial
/// sums (weight gradients) are added in group order, so results are bit-identical on any number of cores.
struct ImageGroups: Sendable {
    let images: Int
    /// Images per group (the last group may hold fewer).
    let perGroup: Int
    var count: Int { (images + perGroup - 1) / perGroup }

    /// Groups of about `targetColumns` output positions each (`columnsPerImage` per image), their count rounded up
    /// to a multiple of 4 so that 1, 2 or 4 cores share them evenly.
    init(images: Int, columnsPerImage: Int, targetColumns: Int = 1024) {
        self.images = images
        var groups = min(images, max(1, (images * columnsPerImage + targetColumns - 1) / targetColumns))
        if groups > 1 { groups = min(images, (groups + 3) / 4 * 4) }
        perGroup = (images + groups - 1) / groups
    }

    /// Whether a layer with `columnsPerImage` outputs per image over `images` images should run by groups: a
    /// batch whose images are small (under 4096 output positions each).
    static func apply(images: Int, columnsPerImage: Int) -> Bool { images > 1 && columnsPerImage < 4096 }

    /// The images of group `g`.
    func range(_ g: Int) -> Range<Int> { (g * perGroup)..<min(images, (g + 1) * perGroup) }

    /// Runs `body(g, images)` for every group, in parallel over the cores.
    func forEach(_ body: @Sendable (Int, Range<Int>) -> Void) {
        if count == 1 { body(0, range(0)); return }
        DispatchQueue.concurrentPerform(iterations: count) { g in body(g, range(g)) }
    }
}

/// out[i] = Σ_g partials[g·count + i] over `groups` partial sums, added in group order (deterministic); parallel over i.
func sumPartials(_ partials: UnsafePointer<Float>, groups: Int, count: Int, into out: UnsafeMutablePointer<Float>) {
    let src = SharedConstPointer(partials), dst = SharedPointer(out)
    parallelChunks(count) { r in
        for i in r { dst.base[i] = src.base[i] }
        for g in 1..<max(groups, 1) {
            let p = src.base + g * count
            for i in r { dst.base[i] += p[i] }
        }
    }
}

/// The `count` floats of `groups` partial sums in `partials` added in group order (`sumPartials`), as a new array.
func summedPartials(_ partials: [Float], groups: Int, count: Int) -> [Float] {
    var out = [Float](uninitializedCount: count)
    partials.withUnsafeBufferPointer { pp in
        out.withUnsafeMutableBufferPointer { sumPartials(pp.baseAddress!, groups: groups, count: count, into: $0.baseAddress!) }
    }
    return out
}
