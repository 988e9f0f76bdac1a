import Foundation
import Testing
import GANCore

/// Timing of the hot ops at CycleGAN sizes. Opt-in: runs only when GANCORE_BENCH is set
/// (use a release build: `GANCORE_BENCH=1 swift test -c release --filter Benchmark`).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["GANCORE_BENCH"] != nil))
struct BenchmarkTests {
    private func time(_ label: String, repeats: Int = 3, _ body: () -> Void) {
        body()
        let start = Date()
        for _ in 0..<repeats { body() }
        let ms = Date().timeIntervalSince(start) / Double(repeats) * 1000
        print(String(format: "%@: %.1f ms", label, ms))
    }

    @Test func hotOps() {
        var rng = SeededGenerator(seed: 1)
        let x = Variable.parameter(Tensor.randomNormal([1, 64, 128, 128], using: &rng))
        let w = Variable.parameter(Tensor.randomNormal([64, 64, 3, 3], std: 0.05, using: &rng))
        let b = Variable.parameter(.zeros([64]))
        time("conv2d 64->64 3x3 @128 forward") { _ = conv2d(x, weight: w, bias: b, padding: 1) }
        time("conv2d 64->64 3x3 @128 forward+backward") { sum(conv2d(x, weight: w, bias: b, padding: 1)).backward() }
        let wt = Variable.parameter(Tensor.randomNormal([64, 32, 3, 3], std: 0.05, using: &rng))
        time("convTranspose2d 64->32 s2 @128 forward+backward") {
            sum(convTranspose2d(x, weight: wt, stride: 2, padding: 1, outputPadding: 1)).backward()
        }
        time("reflectionPad2d(1) forward+backward") { sum(reflectionPad2d(x, 1)).backward() }
        time("instanceNorm forward+backward") { sum(instanceNorm(x)).backward() }
        time("relu forward+backward") { sum(relu(x)).backward() }
        time("add forward+backward") { sum(x + x).backward() }
        time("upsample bilinear forward+backward") { sum(upsample(x, mode: .bilinear)).backward() }
    }
}
