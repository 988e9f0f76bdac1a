import Testing
@testable import GANCore

@Suite struct SpatialTests {
    @Test func reflectionAndReplicationValues() {
        let x = Variable(Tensor(shape: [1, 1, 1, 3], scalars: [1, 2, 3]))
        let reflected = pad(x, Padding2D(left: 2, right: 2, top: 0, bottom: 0), mode: .reflect)
        #expect(reflected.value.scalars == [3, 2, 1, 2, 3, 2, 1])
        let replicated = pad(x, Padding2D(left: 2, right: 2, top: 0, bottom: 0), mode: .replicate)
        #expect(replicated.value.scalars == [1, 1, 1, 2, 3, 3, 3])
        #expect(reflectionPad2d(Variable(Tensor.zeros([2, 3, 5, 5])), 3).shape == [2, 3, 11, 11])
    }

    @Test func paddingGradients() {
        let x = randomParameter([1, 2, 4, 5], seed: 21)
        expectGradientsMatch([x]) { reflectionPad2d(x, 3) }
        expectGradientsMatch([x]) { replicationPad2d(x, 2) }
    }

    @Test func bilinearMatchesPyTorch() {
        // torch.nn.functional.interpolate([[1,2],[3,4]], scale_factor=2, mode="bilinear", align_corners=False)
        let x = Variable(Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4]))
        let y = upsample(x, scale: 2, mode: .bilinear)
        #expect(y.value.scalars == [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4])
        let z = upsample(x, scale: 2, mode: .nearest)
        #expect(z.value.scalars == [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
    }

    @Test func upsamplingGradients() {
        let x = randomParameter([2, 2, 3, 4], seed: 22)
        expectGradientsMatch([x]) { upsample(x, mode: .nearest) }
        expectGradientsMatch([x]) { upsample(x, mode: .bilinear) }
    }

    @Test func globalPoolsAndTheirGradients() {
        let x = Variable(Tensor(shape: [1, 2, 1, 3], scalars: [1, 5, 3, -2, -1, -4]))
        #expect(globalAveragePool(x).value.scalars == [3, -7.0 / 3] && globalAveragePool(x).shape == [1, 2])
        #expect(globalMaxPool(x).value.scalars == [5, -1])
        let p = randomParameter([2, 3, 3, 4], seed: 51)
        expectGradientsMatch([p]) { globalAveragePool(p) }
        expectGradientsMatch([p]) { globalMaxPool(p) }
    }

    @Test func averagePoolCountsPaddingLikePyTorch() {
        let x = Variable(Tensor.ones([1, 1, 3, 3]))
        let included = avgPool2d(x, kernel: 3, stride: 1, padding: 1)
        #expect(abs(included.value.scalars[0] - 4.0 / 9.0) < 1e-6)
        #expect(included.value.scalars[4] == 1)
        let excluded = avgPool2d(x, kernel: 3, stride: 1, padding: 1, countIncludePad: false)
        #expect(excluded.value.scalars.allSatisfy { abs($0 - 1) < 1e-6 })
        // pix2pixHD's downsampler: kernel 3, stride 2, padding 1.
        #expect(avgPool2d(Variable(Tensor.zeros([1, 3, 8, 8])), kernel: 3, stride: 2, padding: 1).shape == [1, 3, 4, 4])
    }

    @Test func averagePoolGradients() {
        let x = randomParameter([1, 2, 5, 5], seed: 23)
        expectGradientsMatch([x]) { avgPool2d(x, kernel: 3, stride: 2, padding: 1) }
        expectGradientsMatch([x]) { avgPool2d(x, kernel: 2, countIncludePad: false) }
    }
}

/// Zero padding: zeros around the input, and the gradient of the border dropped.
@Test func zeroPaddingAddsZerosAndDropsTheirGradient() {
    let x = Variable.parameter(Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4]))
    let y = pad(x, Padding2D(1), mode: .zero)
    #expect(y.shape == [1, 1, 4, 4])
    #expect(y.value.scalars == [0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0])
    sum(y * y).backward()
    #expect(x.grad!.scalars == [2, 4, 6, 8])
}
