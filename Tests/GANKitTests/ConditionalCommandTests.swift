import Foundation
import Testing
import GANConditional
@testable import GANKit
#if canImport(Glibc)
import Glibc
#endif

/// `gantool train cgan` and `gantool generate` on a tiny uncompressed IDX dataset.
struct ConditionalCommandTests {
    /// Writes 20 random 28×28 images with labels 0...9 as IDX files into `folder`.
    static func writeTinyIDX(into folder: String) throws {
        func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        let n = 20
        let pixels = (0..<(n * 784)).map { UInt8(($0 * 37) % 256) }
        try Data(be(2051) + be(UInt32(n)) + be(28) + be(28) + pixels).write(to: URL(fileURLWithPath: folder + "/train-images-idx3-ubyte"))
        try Data(be(2049) + be(UInt32(n)) + (0..<n).map { UInt8($0 % 10) }).write(to: URL(fileURLWithPath: folder + "/train-labels-idx1-ubyte"))
    }

    /// Writes the tiny IDX dataset into `data` and trains a tiny label-conditional model for one
    /// step into `folder`, in process.
    static func trainTinyModel(in folder: String, data: String) throws {
        try writeTinyIDX(into: data)
        var run = ConditionalTrainingRun(dataDirectory: data, outputDirectory: folder, steps: 1)
        run.configuration.latentSize = 8
        run.configuration.generatorWidth = 4
        run.configuration.discriminatorWidth = 4
        run.options.batchSize = 4
        _ = try run.run(log: { _ in })
    }

    /// SIGTERM (`timeout`, a scheduler) and SIGXCPU (a CPU-time limit, `ulimit -t`) both checkpoint and exit 128 + signal.
    @Test(.enabled(if: CommandLineTests.tool != nil, "gantool binary not built"), arguments: [SIGTERM, SIGXCPU])
    func signalCheckpointsAndExits128PlusSignal(_ stopSignal: Int32) throws {
        let dir = try ScratchFolder()
        try Self.writeTinyIDX(into: dir.path)
        let model = dir.path + "/model"
        let train = ["train", "cgan", "--mnist", dir.path, "-o", model, "--batch-size", "4", "--width", "4", "--latent-size", "8",
                     "--log-every", "1", "--steps", "1000000", "--checkpoint-every", "100000"]
        let run = try BackgroundTool(train, stderr: dir.path + "/stderr.txt")
        let deadline = Date().addingTimeInterval(60)
        while run.isRunning && !run.stderr.contains("step 5/") && Date() < deadline { usleep(5_000) }
        #expect(run.isRunning, "\(run.stderr)")
        kill(run.process.processIdentifier, stopSignal)
        run.process.waitUntilExit()
        #expect(run.process.terminationStatus == 128 + stopSignal, "\(run.stderr)")
        #expect(run.stderr.contains("stopped by signal \(stopSignal) at step"), "\(run.stderr)")
        let step = try ConditionalGANTrainer.readState(from: model).step
        #expect(step >= 5 && CheckpointVerification.verify(model).isValid, "the checkpoint of the step it stopped at (\(step))")
        let resumed = try CommandLineTests.run(train.dropLast(4) + ["--steps", "\(step + 1)", "--checkpoint-every", "100000", "--resume"])
        #expect(resumed.status == 0 && resumed.stderr.contains("resumed \(model) at step \(step)"), "\(resumed.stderr)")
    }

    @Test(.enabled(if: CommandLineTests.tool != nil, "gantool binary not built")) func trainResumeAndGenerate() throws {
        let dir = try ScratchFolder()
        try Self.writeTinyIDX(into: dir.path)
        let model = dir.path + "/model"
        let common = ["train", "cgan", "--mnist", dir.path, "-o", model, "--batch-size", "4", "--width", "4", "--latent-size", "8", "--log-every", "1", "--loss", "nonsaturating"]
        let first = try CommandLineTests.run(common + ["--steps", "2"])
        #expect(first.status == 0 && first.stderr.contains("step 2/2"))
        #expect(try CommandLineTests.run(common + ["--steps", "3"]).status == 1)  // exists, no --resume
        let resumed = try CommandLineTests.run(common + ["--steps", "3", "--resume"])
        #expect(resumed.status == 0 && resumed.stderr.contains("resumed") && resumed.stderr.contains("step 3/3"))
        #expect(dir.listing("model").contains("generator-00000003.safetensors") && dir.listing("model").contains("samples.png"))
        let diverse = try CommandLineTests.run(common + ["--steps", "4", "--resume", "--diversity-weight", "2"])
        #expect(diverse.status == 0 && diverse.stderr.contains("diversity term (weight 2.0) from step 3") && diverse.stderr.contains("pair_L1"))
        #expect(try CommandLineTests.run(common + ["--steps", "5", "--resume", "--diversity-weight", "-1"]).status != 0)
        #expect(try CommandLineTests.run(common + ["--steps", "5", "--resume", "--diversity-quantile", "0.1"]).status != 0)
        let consistent = try CommandLineTests.run(common + ["--steps", "5", "--resume", "--consistency-weight", "10"])
        #expect(consistent.status == 0 && consistent.stderr.contains("consistency regularization (weight 10.0) from step 4")
                && consistent.stderr.contains("consistency 0."))
        #expect(try CommandLineTests.run(common + ["--steps", "6", "--resume", "--consistency-weight", "-1"]).status != 0)
        let moreD = try CommandLineTests.run(common + ["--steps", "6", "--resume", "--discriminator-steps", "3"])
        #expect(moreD.status == 0 && moreD.stderr.contains("3 discriminator steps per generator step from step 5"))
        let state = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: model + "/state.json"))) as? [String: Any]
        #expect((state?["options"] as? [String: Any])?["discriminatorSteps"] as? Int == 3)
        #expect(try CommandLineTests.run(common + ["--steps", "7", "--resume", "--discriminator-steps", "0"]).status != 0)
        // Without a data flag a resumed run continues on the data it was trained on, not the default MNIST folder.
        let noData = try CommandLineTests.run(common.filter { $0 != "--mnist" && $0 != dir.path } + ["--steps", "7", "--resume"])
        #expect(noData.status == 0 && noData.stderr.contains("training images from \(dir.path)") && noData.stderr.contains("step 7/7"))
        let topK = try CommandLineTests.run(common + ["--steps", "8", "--resume", "--top-k-fraction", "0.5"])
        #expect(topK.status == 0 && topK.stderr.contains("top-k training: G's loss on the best-scored 50% of its batch from step 7"))
        #expect(try CommandLineTests.run(common + ["--steps", "9", "--resume", "--top-k-fraction", "0"]).stderr.contains("--top-k-fraction must be in (0, 1]"))

        let loaded = try LabelConditionalModel(directory: model)
        let reference = try loaded.images(label: 7, count: 2, seed: 1)
        #expect(reference.count == 2 && reference[0].width == 28 && reference[0] != reference[1])
        let matches = (0..<4).map { _ in Flag() }
        DispatchQueue.concurrentPerform(iterations: 4) { k in
            matches[k].set((try? loaded.images(label: 7, count: 2, seed: 1)) == reference)
        }
        let allMatch = matches.allSatisfy { $0.value }
        #expect(allMatch)
        #expect(throws: (any Error).self) { try loaded.images(label: 10, count: 1, seed: 0) }

        let grid = try CommandLineTests.run(["generate", "--model", model, "--label", "7", "--count", "4", "--seed", "1", "-o", dir.path + "/g.png"])
        #expect(grid.status == 0)
        #expect(try ImageInfo(contentsOf: dir.path + "/g.png").width == 2 * 30 + 2)
        #expect(try CommandLineTests.run(["generate", "--model", model, "--label", "10", "-o", dir.path + "/x.png"]).status == 64)
        let all = try CommandLineTests.run(["generate", "--model", model, "--labels", "all", "--count", "3", "--truncation", "1", "-o", dir.path + "/all.png"])
        #expect(all.status == 0)
        #expect(try ImageInfo(contentsOf: dir.path + "/all.png").height == 10 * 30 + 2)
        let walk = try CommandLineTests.run(["generate", "--model", model, "--label", "1", "--count", "5", "--interpolate", "-o", dir.path + "/walk.png"])
        #expect(walk.status == 0)
        #expect(try ImageInfo(contentsOf: dir.path + "/walk.png").width == 5 * 30 + 2)
        // -o a folder: one PNG per sample, <label>-<index>.png; a name in --models.
        let folder = try CommandLineTests.run(["generate", "--model", model, "--labels", "all", "--count", "3", "-o", dir.path + "/each"])
        #expect(folder.status == 0 && dir.listing("each").count == 30 && dir.listing("each").contains("9-2.png"))
        #expect(try ImageInfo(contentsOf: dir.path + "/each/9-2.png").width == 28)
        let eleven = try CommandLineTests.run(["generate", "--model", model, "--label", "4", "--count", "11", "-o", dir.path + "/fours/"])
        #expect(eleven.status == 0 && dir.listing("fours").first == "4-00.png" && dir.listing("fours").last == "4-10.png")
        #expect(try CommandLineTests.run(["generate", "--model", model, "--label", "4", "-o", dir.path + "/x.jpg"]).stderr.contains("written as PNG"))
        #expect(try CommandLineTests.run(["export", model, "--name", "tiny", "--models", dir.path + "/models"]).status == 0)
        #expect(try CommandLineTests.run(["generate", "--model", "tiny", "--models", dir.path + "/models", "--label", "1", "-o", dir.path + "/t.png"]).status == 0)
        #expect(try CommandLineTests.run(["train", "cgan", "--mnist", dir.path, "-o", dir.path + "/m2", "--loss", "wasserstein"]).status != 0)
        #expect(try CommandLineTests.run(["generate", "--model", dir.path, "--label", "1", "-o", dir.path + "/x.png"]).stderr.contains("state.json"))
    }

    @Test(.enabled(if: CommandLineTests.tool != nil, "gantool binary not built")) func trainFromClassFolders() throws {
        let dir = try ScratchFolder()
        try dir.image("data/cats/1.png", width: 20, height: 16)
        try dir.image("data/cats/2.jpg")
        try dir.image("data/dogs/1.png", value: 200)
        let result = try CommandLineTests.run(["train", "cgan", "--folders", dir.path + "/data", "--channels", "3", "--image-size", "8",
                                               "-o", dir.path + "/model", "--steps", "2", "--batch-size", "2", "--width", "4", "--latent-size", "4"])
        #expect(result.status == 0 && result.stderr.contains("2 classes"))
        let grid = try CommandLineTests.run(["generate", "--model", dir.path + "/model", "--labels", "all", "--count", "2", "-o", dir.path + "/g.png"])
        #expect(grid.status == 0)
        #expect(try ImageInfo(contentsOf: dir.path + "/g.png").height == 2 * 10 + 2)
    }
}

/// A Bool written from one thread and read after a join.
private final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = false
    var value: Bool { lock.withLock { stored } }
    func set(_ value: Bool) { lock.withLock { stored = value } }
}
