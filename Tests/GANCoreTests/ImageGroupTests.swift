import Testing
@testable import GANCore

/// Small layers run by groups of images (`ImageGroups`): a batch's outputs and gradients match each image run alone
/// (batch 1 takes the per-image path), for im2col, transposed and Winograd convolutions, with and without bias.
struct ImageGroupTests {
    /// Output, input gradient, weight gradient and bias gradient of `layer` on `x`, upstream drawn from N(0, 1).
    static func run(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ layer: (Variable, Variable, Variable?) -> Variable,
                    upstream: Tensor? = nil) -> (y: Tensor, dx: Tensor, dw: Tensor, db: Tensor?, upstream: Tensor) {
        let xv = Variable.parameter(x), wv = Variable.parameter(w), bv = b.map(Variable.parameter)
        let y = layer(xv, wv, bv)
        var rng = SeededGenerator(seed: 7)
        let u = upstream ?? Tensor.randomNormal(y.shape, using: &rng)
        sum(y * Variable(u)).backward()
        return (y.value, xv.grad!, wv.grad!, bv?.grad, u)
    }

    /// Image `i` of a batch tensor [N, ...].
    static func image(_ t: Tensor, _ i: Int) -> Tensor {
        let size = t.count / t.shape[0]
        return Tensor(shape: [1] + t.shape.dropFirst(), scalars: Array(t.scalars[(i * size)..<((i + 1) * size)]))
    }

    static func expectClose(_ a: Tensor, _ b: Tensor, _ what: String) {
        let scale = max(b.scalars.map(abs).max() ?? 0, 1e-6)
        let error = zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
        #expect(a.shape == b.shape && error / scale < 1e-5, "\(what): relative error \(error / scale)")
    }

    /// The batch against its images one at a time: outputs and input gradients image by image, weight and bias
    /// gradients summed over the images.
    static func expectBatchMatchesImages(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ what: String,
                                         _ layer: @escaping (Variable, Variable, Variable?) -> Variable) {
        let batch = run(x, w, b, layer)
        var dw = Tensor.zeros(w.shape), db = b.map { Tensor.zeros($0.shape) }
        for i in 0..<x.shape[0] {
            let one = run(image(x, i), w, b, layer, upstream: image(batch.upstream, i))
            expectClose(image(batch.y, i), one.y, "\(what) output of image \(i)")
            expectClose(image(batch.dx, i), one.dx, "\(what) input gradient of image \(i)")
            dw = Tensor(shape: w.shape, scalars: zip(dw.scalars, one.dw.scalars).map(+))
            if let oneDB = one.db, let sum = db { db = Tensor(shape: sum.shape, scalars: zip(sum.scalars, oneDB.scalars).map(+)) }
        }
        expectClose(batch.dw, dw, "\(what) weight gradient")
        if let db, let batchDB = batch.db { expectClose(batchDB, db, "\(what) bias gradient") }
    }

    @Test(arguments: [true, false])
    func stridedConvolutionByGroups(hasBias: Bool) {
        var rng = SeededGenerator(seed: 1)
        // The label GAN's discriminator layers: 4×4 stride 2 on 14×14 (7 images: the last group is short).
        let x = Tensor.randomNormal([7, 8, 14, 14], using: &rng)
        let w = Tensor.randomNormal([12, 8, 4, 4], std: 0.2, using: &rng), b = hasBias ? Tensor.randomNormal([12], using: &rng) : nil
        let geometry = ConvGeometry(channels: 8, height: 14, width: 14, kernelHeight: 4, kernelWidth: 4, stride: 2, padding: 1,
                                    outHeight: 7, outWidth: 7)
        #expect(groupedConvolutionApplies(images: 7, geometry: geometry))
        #expect(!groupedConvolutionApplies(images: 1, geometry: geometry))
        Self.expectBatchMatchesImages(x, w, b, "conv2d") { conv2d($0, weight: $1, bias: $2, stride: 2, padding: 1) }
    }

    @Test(arguments: [true, false])
    func transposedConvolutionByGroups(hasBias: Bool) {
        var rng = SeededGenerator(seed: 2)
        // The label GAN's generator up-sampling: 4×4 stride 2, 7×7 -> 14×14.
        let x = Tensor.randomNormal([6, 10, 7, 7], using: &rng)
        let w = Tensor.randomNormal([10, 5, 4, 4], std: 0.2, using: &rng), b = hasBias ? Tensor.randomNormal([5], using: &rng) : nil
        Self.expectBatchMatchesImages(x, w, b, "convTranspose2d") { convTranspose2d($0, weight: $1, bias: $2, stride: 2, padding: 1) }
    }

    /// F(4×4) and F(2×2); with the C kernels (F(4×4) by groups: channels in the lanes, `winograd_channels.c`, where
    /// the CPU has AVX-512) and with the Swift transforms (the tiles-in-lanes grouped path); 7×7 and 14×14 planes,
    /// channel counts that leave the last vector part full (24, 40).
    @Test(arguments: [ConvolutionAlgorithm.winograd4x4, .winograd2x2], [true, false])
    func winogradByGroups(algorithm: ConvolutionAlgorithm, cKernels: Bool) {
        var rng = SeededGenerator(seed: 3)
        let x = Tensor.randomNormal([9, 16, 7, 7], using: &rng)
        let w = Tensor.randomNormal([24, 16, 3, 3], std: 0.2, using: &rng), b = Tensor.randomNormal([24], using: &rng)
        let g = WinogradGeometry(channels: 16, height: 7, width: 7, outChannels: 24, padding: 1, outputTile: 4)
        #expect(WinogradGeometry.groupsApply(images: 9, g) && !WinogradGeometry.groupsApply(images: 1, g))
        let wide = Tensor.randomNormal([5, 40, 14, 14], using: &rng)
        let wideWeight = Tensor.randomNormal([16, 40, 3, 3], std: 0.1, using: &rng)
        ConvolutionAlgorithm.$current.withValue(algorithm) { WinogradKernels.$useC.withValue(cKernels) {
            Self.expectBatchMatchesImages(wide, wideWeight, nil, "Winograd \(algorithm), 14x14, 40 -> 16") {
                conv2d($0, weight: $1, bias: $2, padding: 1)
            }
            Self.expectBatchMatchesImages(x, w, b, "Winograd \(algorithm)") { conv2d($0, weight: $1, bias: $2, padding: 1) }
            Self.expectBatchMatchesImages(x, w, nil, "Winograd \(algorithm), reflection padding") {
                conv2d($0, weight: $1, bias: $2, padding: 1, paddingMode: .reflect)
            }
            Self.expectBatchMatchesImages(x, w, b, "Winograd \(algorithm), no padding") { conv2d($0, weight: $1, bias: $2) }
        }}
    }

    @Test func groupsCoverTheBatchByShapeAlone() {
        for (images, columns) in [(64, 49), (64, 196), (7, 49), (3, 1000), (1, 10), (5, 5000)] {
            let groups = ImageGroups(images: images, columnsPerImage: columns)
            let covered = (0..<groups.count).flatMap { Array(groups.range($0)) }
            #expect(covered == Array(0..<images), "\(images) images of \(columns) columns")
            #expect(groups.count == images || groups.count % 4 == 0 || groups.count == 1, "\(groups.count) groups")
        }
        // The 7×7 layers of a batch of 64 make 4 groups of 16 images.
        #expect(ImageGroups(images: 64, columnsPerImage: 49).count == 4)
    }

    @Test func partialSumsAddInGroupOrder() {
        let partials: [Float] = [1, 2, 3, 10, 20, 30, 100, 200, 300]
        var out = [Float](repeating: 0, count: 3)
        partials.withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { sumPartials(p.baseAddress!, groups: 3, count: 3, into: $0.baseAddress!) } }
        #expect(out == [111, 222, 333])
    }
}
