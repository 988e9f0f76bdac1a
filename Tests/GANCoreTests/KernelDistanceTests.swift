import Foundation
import Testing
@testable import GANCore

/// KID (unbiased MMD², cubic kernel) and FID, now in GANCore/Evaluation.
struct KernelDistanceTests {
    @Test func kidOnKnownInputs() {
        // d = 2, k(x, y) = (x·y/2 + 1)³: Kxx off-diagonal 1, Kyy off-diagonal 1.5³, Kxy sum 1+1+1+3.375 = 6.375.
        let a = Tensor(shape: [2, 2], scalars: [0, 0, 1, 0]), b = Tensor(shape: [2, 2], scalars: [0, 1, 1, 1])
        #expect(abs(KernelDistance.unbiasedMMD2(a, b) - (1 + 3.375 - 2 * 6.375 / 4)) < 1e-12)
        #expect(KernelDistance.polynomialKernel(a, b) == [1, 1, 1, 3.375])
    }

    @Test func kidIsNearZeroForOneDistributionAndPositiveForAShift() {
        var random = SeededGenerator(seed: 7)
        let x = Tensor.randomNormal([400, 8], using: &random), y = Tensor.randomNormal([400, 8], using: &random)
        let same = KernelDistance.kid(x, y).mean
        #expect(abs(same) < 0.01, "KID between two samples of N(0, I): \(same)")
        // Identical sets: the unbiased estimator is (2/m)(mean off-diagonal − mean diagonal) ≤ 0, and small.
        let identical = KernelDistance.unbiasedMMD2(x, x)
        #expect(identical <= 0 && identical > -0.05, "KID of a set with itself: \(identical)")
        let shifted = Tensor(shape: y.shape, scalars: y.scalars.map { $0 + 1 })
        #expect(KernelDistance.kid(x, shifted).mean > 0.2)
    }

    @Test func kidAndFIDAreSymmetric() {
        var random = SeededGenerator(seed: 8)
        let x = Tensor.randomNormal([60, 5], using: &random), y = Tensor.randomNormal([45, 5], mean: 0.5, std: 1.5, using: &random)
        #expect(abs(KernelDistance.unbiasedMMD2(x, y) - KernelDistance.unbiasedMMD2(y, x)) < 1e-9)
        let fxy = FrechetDistance.between(x, y), fyx = FrechetDistance.between(y, x)
        #expect(abs(fxy - fyx) < 1e-6 * max(1, fxy))
        #expect(abs(FrechetDistance.between(x, x)) < 1e-6)
        // Subsets of 20 out of 60 and 45: mean and spread over 50 subsets, the same for the same seed.
        let subsets = KernelDistance.kid(x, y, subsets: 50, subsetSize: 20, seed: 3)
        #expect(subsets.subsets == 50 && subsets.subsetSize == 20 && subsets.standardDeviation > 0)
        #expect(subsets == KernelDistance.kid(x, y, subsets: 50, subsetSize: 20, seed: 3))
        #expect(abs(subsets.mean - KernelDistance.unbiasedMMD2(x, y)) < 4 * subsets.standardDeviation)
    }
}
