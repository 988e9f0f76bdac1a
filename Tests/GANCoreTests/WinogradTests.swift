import Testing
@testable import GANCore

/// Winograd F(2×2, 3×3) against im2col + sgemm (the direct definition), forward and backward,
/// to 1e-4 of the largest magnitude, on odd and even sizes, with and without padding and bias.
struct WinogradTests {
    static func maxRelativeError(_ a: Tensor, _ b: Tensor) -> Float {
        precondition(a.shape == b.shape, "\(a.shape) vs \(b.shape)")
        let scale = max(b.scalars.map(abs).max() ?? 0, 1e-12)
        return zip(a.scalars, b.scalars).map { abs($0 - $1) }.max()! / scale
    }

    @Test(arguments: [(2, 16, 24, 9, 7, 1, true), (1, 32, 16, 8, 8, 0, false), (1, 16, 16, 5, 6, 1, true), (3, 24, 17, 6, 11, 2, true), (1, 16, 16, 12, 29, 1, false), (1, 16, 16, 10, 26, 0, true)])
    func matchesIm2colForwardAndBackward(batch: Int, channels: Int, outChannels: Int, height: Int, width: Int, padding: Int, hasBias: Bool) {
        var rng = SeededGenerator(seed: UInt64(channels * 31 + height))
        let xValue = Tensor.randomNormal([batch, channels, height, width], using: &rng)
        let wValue = Tensor.randomNormal([outChannels, channels, 3, 3], std: 0.2, using: &rng)
        let bValue = Tensor.randomNormal([outChannels], using: &rng)
        #expect(WinogradGeometry.applies(kernelHeight: 3, kernelWidth: 3, stride: 1, channels: channels, outChannels: outChannels))

        func run(_ algorithm: ConvolutionAlgorithm) -> [Tensor] {
            ConvolutionAlgorithm.$current.withValue(algorithm) {
                let x = Variable.parameter(xValue), w = Variable.parameter(wValue), b = Variable.parameter(bValue)
                let y = conv2d(x, weight: w, bias: hasBias ? b : nil, padding: padding)
                var upstream = SeededGenerator(seed: 99)
                let weights = Variable(Tensor.randomNormal(y.shape, using: &upstream))
                sum(y * weights).backward()
                return [y.value, x.grad!, w.grad!] + (hasBias ? [b.grad!] : [])
            }
        }
        let winograd = run(.automatic), reference = run(.im2col)
        for (name, (ours, expected)) in zip(["output", "input gradient", "weight gradient", "bias gradient"], zip(winograd, reference)) {
            let error = Self.maxRelativeError(ours, expected)
            #expect(error <= 1e-4, "\(name): relative error \(error)")
        }
    }
}

/// The thin-output path (few output channels, shifted-tap products) against im2col + sgemm.
struct ThinOutputConvTests {
    @Test(arguments: [(1, 16, 3, 13, 11, 7, true, 0), (2, 24, 1, 9, 10, 3, false, 0), (1, 32, 5, 6, 6, 4, true, 0),
                      (1, 32, 1, 7, 6, 4, true, 1), (2, 16, 3, 5, 8, 3, false, 2)])
    func matchesIm2colForwardAndBackward(batch: Int, channels: Int, outChannels: Int, height: Int, width: Int, kernel: Int,
                                         hasBias: Bool, padding: Int) {
        var rng = SeededGenerator(seed: UInt64(channels + kernel))
        let xValue = Tensor.randomNormal([batch, channels, height, width], using: &rng)
        let wValue = Tensor.randomNormal([outChannels, channels, kernel, kernel], std: 0.2, using: &rng)
        let bValue = Tensor.randomNormal([outChannels], using: &rng)
        #expect(thinOutputConvApplies(channels: channels, outChannels: outChannels, stride: 1, padding: 0))
        func run(_ algorithm: ConvolutionAlgorithm) -> [Tensor] {
            ConvolutionAlgorithm.$current.withValue(algorithm) {
                let x = Variable.parameter(xValue), w = Variable.parameter(wValue), b = Variable.parameter(bValue)
                let y = conv2d(x, weight: w, bias: hasBias ? b : nil, padding: padding)
                var upstream = SeededGenerator(seed: 5)
                sum(y * Variable(Tensor.randomNormal(y.shape, using: &upstream))).backward()
                return [y.value, x.grad!, w.grad!] + (hasBias ? [b.grad!] : [])
            }
        }
        for (name, (ours, expected)) in zip(["output", "input gradient", "weight gradient", "bias gradient"], zip(run(.automatic), run(.im2col))) {
            let error = WinogradTests.maxRelativeError(ours, expected)
            #expect(error <= 1e-4, "\(name): relative error \(error)")
        }
    }
}

/// The fast convolution paths also pass the finite-difference check on their own.
struct FastConvolutionGradientTests {
    @Test func winogradGradientMatchesFiniteDifferences() {
        let x = randomParameter([1, 16, 5, 6], seed: 41), w = randomParameter([16, 16, 3, 3], seed: 42, std: 0.2)
        let b = randomParameter([16], seed: 43)
        #expect(WinogradGeometry.applies(kernelHeight: 3, kernelWidth: 3, stride: 1, channels: 16, outChannels: 16))
        expectGradientsMatch([x, w, b]) { conv2d(x, weight: w, bias: b, padding: 1) }
    }

    @Test func thinOutputGradientMatchesFiniteDifferences() {
        let x = randomParameter([1, 16, 6, 7], seed: 44), w = randomParameter([3, 16, 3, 3], seed: 45, std: 0.2)
        let b = randomParameter([3], seed: 46)
        expectGradientsMatch([x, w, b]) { conv2d(x, weight: w, bias: b, padding: 1) }
        expectGradientsMatch([x, w]) { conv2d(x, weight: w) }
    }
}
