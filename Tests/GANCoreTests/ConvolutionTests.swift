import Testing
@testable import GANCore

@Suite struct ConvolutionTests {
    @Test func conv2dMatchesDirectSum() {
        // 1 image, 1 channel 3×3, kernel 2×2 of ones, stride 1, no padding: each output is a 2×2 window sum.
        let x = Variable(Tensor(shape: [1, 1, 3, 3], scalars: (1...9).map(Float.init)))
        let w = Variable(Tensor.ones([1, 1, 2, 2]))
        let b = Variable(Tensor(shape: [1], scalars: [0.5]))
        let y = conv2d(x, weight: w, bias: b)
        #expect(y.shape == [1, 1, 2, 2])
        #expect(y.value.scalars == [12.5, 16.5, 24.5, 28.5])
    }

    @Test func conv2dGradients() {
        let x = randomParameter([2, 3, 5, 6], seed: 1)
        let w = randomParameter([4, 3, 3, 3], seed: 2, std: 0.3)
        let b = randomParameter([4], seed: 3)
        expectGradientsMatch([x, w, b]) { conv2d(x, weight: w, bias: b, stride: 2, padding: 1) }
    }

    @Test func conv2dGradientsStrideOneNoBias() {
        let x = randomParameter([1, 2, 4, 4], seed: 4)
        let w = randomParameter([3, 2, 3, 3], seed: 5, std: 0.3)
        expectGradientsMatch([x, w]) { conv2d(x, weight: w, stride: 1, padding: 1) }
    }

    @Test func convTranspose2dShapeAndValues() {
        // A single 1 at the centre of a 1×1 input spreads the kernel into the output.
        let x = Variable(Tensor(shape: [1, 1, 1, 1], scalars: [1]))
        let w = Variable(Tensor(shape: [1, 1, 3, 3], scalars: (1...9).map(Float.init)))
        let y = convTranspose2d(x, weight: w, stride: 2, padding: 0)
        #expect(y.shape == [1, 1, 3, 3])
        #expect(y.value.scalars == (1...9).map(Float.init))
        // CycleGAN's upsampling layer: k3 s2 p1 op1 doubles the size.
        let z = convTranspose2d(Variable(Tensor.zeros([1, 2, 4, 5])), weight: Variable(Tensor.zeros([2, 3, 3, 3])),
                                stride: 2, padding: 1, outputPadding: 1)
        #expect(z.shape == [1, 3, 8, 10])
    }

    @Test func convTranspose2dGradients() {
        let x = randomParameter([2, 3, 3, 4], seed: 6)
        let w = randomParameter([3, 2, 3, 3], seed: 7, std: 0.3)
        let b = randomParameter([2], seed: 8)
        expectGradientsMatch([x, w, b]) {
            convTranspose2d(x, weight: w, bias: b, stride: 2, padding: 1, outputPadding: 1)
        }
    }

    @Test func tiledColumnMatrixGivesSameResultsAndGradients() {
        let x = randomParameter([2, 3, 7, 6], seed: 9)
        let w = randomParameter([4, 3, 3, 3], seed: 10, std: 0.3)
        let wt = randomParameter([3, 2, 3, 3], seed: 11, std: 0.3)
        let b = randomParameter([4], seed: 12)
        let whole = conv2d(x, weight: w, bias: b, padding: 1).value
        let wholeT = convTranspose2d(x, weight: wt, stride: 2, padding: 1, outputPadding: 1).value
        // A budget of 60 floats forces one or two output rows per tile.
        ConvGeometry.$columnBudget.withValue(60) {
            #expect(ConvGeometry(channels: 3, height: 7, width: 6, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1,
                                 outHeight: 7, outWidth: 6).rowTiles.count == 7)
            let tiled = conv2d(x, weight: w, bias: b, padding: 1).value
            for i in 0..<whole.count { #expect(abs(whole.scalars[i] - tiled.scalars[i]) < 1e-5) }
            let tiledT = convTranspose2d(x, weight: wt, stride: 2, padding: 1, outputPadding: 1).value
            for i in 0..<wholeT.count { #expect(abs(wholeT.scalars[i] - tiledT.scalars[i]) < 1e-5) }
            expectGradientsMatch([x, w, b]) { conv2d(x, weight: w, bias: b, stride: 2, padding: 1) }
            expectGradientsMatch([x, wt]) { convTranspose2d(x, weight: wt, stride: 2, padding: 1, outputPadding: 1) }
        }
    }
}
