import ArgumentParser
import Foundation
import GANKit

/// `gantool generate`: samples from a trained conditional GAN.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate images of a class from a trained conditional GAN.",
        discussion: """
            Reads a checkpoint folder written by 'gantool train cgan' and writes a PNG grid. The \
            same --seed gives the same images. Without --label, writes one row per class.

            Examples:
              gantool generate --model runs/mnist --label 7 --count 16 --seed 1 -o sevens.png
              gantool generate --model runs/mnist --count 8 -o all-classes.png
            """)

    @Option(help: "Checkpoint folder (holds state.json).")
    var model: String

    @Option(help: "Class label to draw; omit for one row per class.")
    var label: Int?

    @Option(help: "Number of images (per class without --label).")
    var count = 16

    @Option(help: "Seed of the latent vectors.")
    var seed: UInt64 = 0

    @Option(help: "Grid columns (default: about the square root of --count).")
    var columns: Int?

    @Option(name: [.short, .customLong("output")], help: "Output PNG file.")
    var output: String

    func run() throws {
        do {
            if let label {
                try ConditionalGeneration.writeGrid(modelDirectory: model, label: label, count: count, seed: seed, columns: columns, to: output)
            } else {
                try ConditionalGeneration.writeClassGrid(modelDirectory: model, perClass: count, seed: seed, to: output)
            }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
