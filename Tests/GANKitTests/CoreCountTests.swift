import Foundation
import Testing
@testable import GANKit

/// A training step gives the same bits on one core and on two: small layers are split over image groups chosen by
/// shape alone (GANCore's `ImageGroups`), never by the core count. Runs the built gantool under `taskset`.
struct CoreCountTests {
    static let taskset = ["/usr/bin/taskset", "/bin/taskset"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static var twoCores: Bool { ProcessInfo.processInfo.activeProcessorCount >= 2 }

    /// Trains the tiny label GAN (Winograd, im2col and transposed layers, batch 8) for 2 steps pinned to `cores`.
    static func train(cores: String, data: String, into model: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(taskset))
        process.arguments = ["-c", cores, try #require(CommandLineTests.tool), "train", "cgan", "--mnist", data, "-o", model,
                             "--batch-size", "8", "--width", "16", "--latent-size", "8", "--generator-convs-per-scale", "1",
                             "--discriminator-convs-per-scale", "1", "--discriminator-steps", "2", "--ema-decay", "0.9",
                             "--steps", "2", "--log-every", "1"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test(.enabled(if: CommandLineTests.tool != nil && taskset != nil && twoCores, "needs the gantool binary, taskset and 2 cores"))
    func trainingStepIsBitIdenticalOnOneAndTwoCores() throws {
        let dir = try ScratchFolder()
        try ConditionalCommandTests.writeTinyIDX(into: dir.path)
        #expect(try Self.train(cores: "0", data: dir.path, into: dir.path + "/one") == 0)
        #expect(try Self.train(cores: "0,1", data: dir.path, into: dir.path + "/two") == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/one").filter { $0.hasSuffix(".safetensors") }
        #expect(files.count == 4, "\(files)")  // generator, its average, discriminator, optimizers
        for file in files {
            let one = try Data(contentsOf: URL(fileURLWithPath: dir.path + "/one/" + file))
            let two = try Data(contentsOf: URL(fileURLWithPath: dir.path + "/two/" + file))
            #expect(one == two, "\(file) differs between 1 and 2 cores")
        }
    }
}
