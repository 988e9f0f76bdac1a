import ArgumentParser
import Foundation
import GANKit

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure GANKit's speed: generator forward, a CycleGAN training step, label-GAN training steps, raw sgemm.",
        discussion: """
            Build in release mode first: swift build -c release. With --compare, runs \
            tools/bench_reference.py (PyTorch and ONNX Runtime, same thread count) in the same \
            session and prints ratios.

            Examples:
              gantool bench
              gantool bench --compare --json > bench.json
              gantool bench --only cgan --compare
              gantool bench --only pix2pix --compare
              gantool bench --only inpaint --compare
            """)

    @Flag(help: "Also run the PyTorch / ONNX Runtime reference (needs python3 with torch, onnxruntime).")
    var compare = false

    @Option(help: "The reference script (default: tools/bench_reference.py beside the package).")
    var referenceScript: String?

    @Option(help: "Timed runs per figure (the best is reported).")
    var repeats = 3

    @Flag(help: "Print the results as JSON on stdout.")
    var json = false

    enum Figure: String, ExpressibleByArgument, CaseIterable { case sgemm, gemm, forward, training, conv, cgan, pix2pix, inpaint }

    @Option(help: "Run only one figure (for profiling): sgemm, gemm (GANKit's sgemm vs OpenBLAS by shape), forward, training, conv (3x3 layers under im2col, Winograd F(2x2) and F(4x4)), cgan (label-GAN training steps) pix2pix (pix2pix steps at 128, batch 1 and 8) or inpaint (an inpainting step at 128, batch 4); with --compare, PyTorch's too.")
    var only: Figure?

    enum Kernel: String, ExpressibleByArgument, CaseIterable { case automatic, openblas, gankit }

    @Option(help: "The sgemm kernel for the forward and training figures: automatic (GANKit's AVX-512 kernel where it is faster), openblas or gankit.")
    var gemm: Kernel = .automatic

    @Option(help: "Convolution arithmetic of the forward figure: float32, or bf16 (AVX512_BF16); bf16 also prints its error against float32.")
    var precision: InferencePrecision = .float32

    @Option(help: "The convolution kernel for the forward and training figures: automatic, winograd2x2 or winograd4x4 (Winograd layers forced to that tile), or im2col.")
    var convolution: ConvolutionAlgorithm = .automatic

    struct Report: Codable {
        var cores: Int
        var gemmKernel: String
        var precision: String
        var sgemm: GemmResult
        var gemmComparison: [GemmComparison]
        var forward: ForwardResult
        var training: TrainingResult
        var labelGAN: [LabelGANStepResult]
        var pix2pix: [ImageGANStepResult]
        var inpainting: ImageGANStepResult
        var reference: ReferenceResult?
    }

    struct ReferenceResult: Codable {
        struct Forward: Codable { var pytorch_img_s, onnxruntime_img_s, pytorch_gflops, onnxruntime_gflops: Double }
        var threads: Int
        var forward_256: Forward?
        var train_iter_128_s: [String: Double]?
        var peak_rss_mib_1024: [String: Double]?
        /// Seconds per label-GAN training step by recipe name, and the CPU time over wall time of those steps.
        var label_gan_step_s: [String: Double]?
        var label_gan_cores_busy: [String: Double]?
        /// Seconds per pix2pix step by batch size ("1", "8"), and the cores kept busy.
        var pix2pix_step_s: [String: Double]?
        var pix2pix_cores_busy: [String: Double]?
        /// Seconds per inpainting step (batch 4 at 128), and the cores kept busy.
        var inpaint_step_s: Double?
        var inpaint_cores_busy: Double?
    }

    func run() throws {
        try ConvolutionAlgorithm.$current.withValue(convolution) { try measure() }
    }

    func measure() throws {
        let cores = ComputeCores.available
        GemmKernel.current = switch gemm {
        case .automatic: .automatic
        case .openblas: .openBLAS
        case .gankit: .gankit
        }
        switch only {
        case .sgemm?:
            print(String(format: "sgemm %.0f GFLOP/s", Benchmarks.sgemm(repeats: repeats).gflops))
            return
        case .gemm?:
            print(gemmTable(Benchmarks.gemmComparison(repeats: repeats)).joined(separator: "\n"))
            return
        case .forward?:
            let forward = Benchmarks.generatorForward(repeats: repeats, precision: precision)
            print(String(format: "forward (gemm %@, %@, %@) %.2f img/s, %.0f GFLOP/s", gemm.rawValue, precision.rawValue, convolution.rawValue,
                         forward.imagesPerSecond, forward.gflops))
            if precision == .bfloat16 {
                let error = Benchmarks.bfloat16Error()
                print(String(format: "bf16 vs float32 output (tanh, in [-1, 1]): max abs %.4f, mean abs %.5f%@", error.maxAbs,
                             error.meanAbs, InferencePrecision.bfloat16Supported ? "" : " (no AVX512_BF16: float32 was used)"))
            }
            return
        case .training?:
            let training = Benchmarks.cycleGANIteration(repeats: repeats)
            print(String(format: "training (gemm %@, %@) %.3f s/iter, %.0f GFLOP/s", gemm.rawValue, convolution.rawValue,
                         training.secondsPerIteration, training.gflops))
            return
        case .cgan?:
            let results = [LabelGANRecipe.mnistCGAN, .fashion].map { recipe in
                progress("label-GAN step, \(recipe.name) recipe, batch \(recipe.options.batchSize)...")
                return Benchmarks.labelGANStep(recipe, steps: max(repeats, 5))
            }
            let reference = compare ? try runReference(threads: cores, only: "cgan") : nil
            print((["GANKit bench, \(cores) cores"] + labelGANTable(results, reference)).joined(separator: "\n"))
            return
        case .pix2pix?:
            let results = pix2pixSteps()
            let reference = compare ? try runReference(threads: cores, only: "pix2pix") : nil
            print((["GANKit bench, \(cores) cores"] + pix2pixTable(results, reference)).joined(separator: "\n"))
            return
        case .inpaint?:
            let result = inpaintingStep()
            let reference = compare ? try runReference(threads: cores, only: "inpaint") : nil
            print((["GANKit bench, \(cores) cores"] + inpaintingTable(result, reference)).joined(separator: "\n"))
            return
        case .conv?:
            for shape in Benchmarks.convolutionLayerShapes {
                let times = Benchmarks.convolutionLayer(channels: shape.channels, size: shape.size, training: shape.training, repeats: repeats)
                let ms = { (a: ConvolutionAlgorithm) in String(format: "%.2f", 1000 * times[a]!) }
                print("3x3 conv \(shape.channels) -> \(shape.channels) at \(shape.size)x\(shape.size) \(shape.training ? "forward+backward" : "forward"): "
                      + "im2col \(ms(.im2col)) ms, winograd2x2 \(ms(.winograd2x2)) ms, winograd4x4 \(ms(.winograd4x4)) ms, "
                      + String(format: "F(2x2)/F(4x4) %.2fx", times[.winograd2x2]! / times[.winograd4x4]!))
            }
            return
        case nil: break
        }
        progress("sgemm 256x4096x2304...")
        let sgemm = Benchmarks.sgemm(repeats: repeats)
        progress("GANKit sgemm vs OpenBLAS, single-threaded, by shape...")
        let comparison = Benchmarks.gemmComparison(repeats: repeats)
        progress("ResnetGenerator ngf 64 / 9 blocks forward at 256x256...")
        let forward = Benchmarks.generatorForward(repeats: repeats, precision: precision)
        progress("CycleGAN iteration at 128x128, ngf 32 / 6 blocks...")
        let training = Benchmarks.cycleGANIteration(repeats: repeats)
        let labelGAN = [LabelGANRecipe.mnistCGAN, .fashion].map { recipe in
            progress("label-GAN step, \(recipe.name) recipe, batch \(recipe.options.batchSize)...")
            return Benchmarks.labelGANStep(recipe, steps: max(repeats, 5))
        }
        let pix2pix = pix2pixSteps()
        let inpainting = inpaintingStep()
        var report = Report(cores: cores, gemmKernel: gemm.rawValue, precision: precision.rawValue, sgemm: sgemm, gemmComparison: comparison,
                            forward: forward, training: training, labelGAN: labelGAN, pix2pix: pix2pix, inpainting: inpainting)
        if compare {
            progress("reference: PyTorch and ONNX Runtime...")
            report.reference = try runReference(threads: cores)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(table(report))
        }
    }

    func table(_ r: Report) -> String {
        func f(_ v: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", v) }
        var lines = ["GANKit bench, \(r.cores) cores, batch 1, gemm kernel \(r.gemmKernel), forward in \(r.precision)"]
        lines.append("sgemm 256x4096x2304: \(f(r.sgemm.gflops, 0)) GFLOP/s (ceiling of im2col + sgemm)")
        lines += gemmTable(r.gemmComparison)
        let fw = r.forward
        lines.append("forward ResnetGenerator ngf \(fw.ngf)/\(fw.blocks) blocks at \(fw.size)x\(fw.size) (\(f(fw.gigaMACs, 1)) GMAC):")
        lines.append("  GANKit       \(f(fw.imagesPerSecond)) img/s  \(f(fw.gflops, 0)) GFLOP/s  peak RSS \(f(fw.peakRSSMiB, 0)) MiB")
        if let ref = r.reference?.forward_256 {
            lines.append("  PyTorch      \(f(ref.pytorch_img_s)) img/s  \(f(ref.pytorch_gflops, 0)) GFLOP/s")
            lines.append("  ONNX Runtime \(f(ref.onnxruntime_img_s)) img/s  \(f(ref.onnxruntime_gflops, 0)) GFLOP/s")
            lines.append("  GANKit / ONNX Runtime: \(f(fw.imagesPerSecond / ref.onnxruntime_img_s))x, GANKit / PyTorch: \(f(fw.imagesPerSecond / ref.pytorch_img_s))x")
        }
        let tr = r.training
        lines.append("CycleGAN training iteration at \(tr.size)x\(tr.size), ngf \(tr.ngf)/\(tr.blocks) blocks (\(f(tr.gflopPerIteration, 0)) GFLOP):")
        lines.append("  GANKit       \(f(tr.secondsPerIteration, 3)) s/iter  \(f(tr.gflops, 0)) GFLOP/s")
        if let torch = r.reference?.train_iter_128_s?["pytorch"] {
            lines.append("  PyTorch      \(f(torch, 3)) s/iter")
            lines.append("  GANKit time / PyTorch time: \(f(tr.secondsPerIteration / torch))x")
        }
        lines += labelGANTable(r.labelGAN, r.reference)
        lines += pix2pixTable(r.pix2pix, r.reference)
        lines += inpaintingTable(r.inpainting, r.reference)
        return lines.joined(separator: "\n")
    }

    /// The inpainting step at 128x128, batch 4.
    func inpaintingStep() -> ImageGANStepResult {
        progress("inpainting step at 128x128, batch 4...")
        return Benchmarks.inpaintingStep(size: 128, batch: 4, steps: max(repeats, 5))
    }

    /// The inpainting rows: GANKit's step, PyTorch's beside it when measured, and the ratio of their times.
    func inpaintingTable(_ r: ImageGANStepResult, _ reference: ReferenceResult?) -> [String] {
        stepRows("inpainting", r, torch: reference?.inpaint_step_s, torchBusy: reference?.inpaint_cores_busy)
    }

    /// The rows of one image-GAN step: GANKit's, and PyTorch's seconds per step beside it with the ratio.
    func stepRows(_ name: String, _ r: ImageGANStepResult, torch: Double?, torchBusy: Double?) -> [String] {
        func f(_ v: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", v) }
        var lines = ["\(name) training step at \(r.size)x\(r.size), batch \(r.batchSize), \(r.architecture) (\(f(r.gflopPerStep, 1)) GFLOP):",
                     "  GANKit       \(f(r.secondsPerStep, 3)) s/step  \(f(r.gflops, 0)) GFLOP/s  cores busy \(f(r.coresBusy))"]
        if let torch {
            lines.append("  PyTorch      \(f(torch, 3)) s/step  \(f(r.gflopPerStep / torch, 0)) GFLOP/s" + (torchBusy.map { "  cores busy \(f($0))" } ?? ""))
            lines.append("  GANKit time / PyTorch time: \(f(r.secondsPerStep / torch))x")
        }
        return lines
    }

    /// pix2pix steps at 128x128, batch 1 and 8.
    func pix2pixSteps() -> [ImageGANStepResult] {
        [1, 8].map { batch in
            progress("pix2pix step at 128x128, batch \(batch)...")
            return Benchmarks.pix2pixStep(size: 128, batch: batch, steps: max(repeats, 5))
        }
    }

    /// The pix2pix rows: GANKit's step, PyTorch's beside it when measured, and the ratio of their times.
    func pix2pixTable(_ results: [ImageGANStepResult], _ reference: ReferenceResult?) -> [String] {
        results.flatMap { r in
            stepRows("pix2pix", r, torch: reference?.pix2pix_step_s?["\(r.batchSize)"], torchBusy: reference?.pix2pix_cores_busy?["\(r.batchSize)"])
        }
    }

    /// The label-GAN rows: GANKit's step, PyTorch's beside it when measured, and the ratio of their times.
    func labelGANTable(_ results: [LabelGANStepResult], _ reference: ReferenceResult?) -> [String] {
        func f(_ v: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", v) }
        var lines = [String]()
        for r in results {
            lines.append("label-GAN training step, \(r.recipe) recipe, batch \(r.batchSize) at 28x28 (\(f(r.gflopPerStep, 1)) GFLOP):")
            lines.append("  GANKit       \(f(r.stepsPerSecond)) steps/s  \(f(r.secondsPerStep, 3)) s/step  \(f(r.gflops, 0)) GFLOP/s  cores busy \(f(r.coresBusy))")
            if let torch = reference?.label_gan_step_s?[r.recipe] {
                let busy = reference?.label_gan_cores_busy?[r.recipe].map { "  cores busy \(f($0))" } ?? ""
                lines.append("  PyTorch      \(f(1 / torch)) steps/s  \(f(torch, 3)) s/step  \(f(r.gflopPerStep / torch, 0)) GFLOP/s\(busy)")
                lines.append("  GANKit time / PyTorch time: \(f(r.secondsPerStep / torch))x")
            }
        }
        return lines
    }

    /// GANKit's sgemm vs OpenBLAS, one line per shape.
    func gemmTable(_ rows: [GemmComparison]) -> [String] {
        guard let path = rows.first?.gankitPath else { return [] }
        var lines = ["sgemm by shape, single-threaded, GFLOP/s (GANKit's kernel: \(path)):"]
        for row in rows {
            let label = row.shape.label.padding(toLength: 20, withPad: " ", startingAt: 0)
            lines.append(String(format: "  %@ GANKit %6.1f  OpenBLAS %6.1f  %.2fx  (automatic: %@)  %@", label,
                                row.gankitGFLOPs, row.openBLASGFLOPs, row.ratio, row.automaticChoice, row.shape.name))
        }
        return lines
    }

    func runReference(threads: Int, only: String? = nil) throws -> ReferenceResult {
        let script = try referenceScript ?? locateScript()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, "--threads", "\(threads)", "--repeats", "\(max(repeats, 3))", "--json"]
            + (only.map { ["--only", $0] } ?? [])
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError("\(script) failed (exit \(process.terminationStatus)); it needs python3 with torch==2.13.0 and onnxruntime")
        }
        return try JSONDecoder().decode(ReferenceResult.self, from: data)
    }

    func locateScript() throws -> String {
        var candidates = [FileManager.default.currentDirectoryPath + "/tools/bench_reference.py"]
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(url.appendingPathComponent("tools/bench_reference.py").path)
            url.deleteLastPathComponent()
        }
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw ValidationError("tools/bench_reference.py not found; pass --reference-script")
        }
        return found
    }

    func progress(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }
}

extension ConvolutionAlgorithm: ExpressibleByArgument {}
