import ArgumentParser
import Foundation
import GANKit

/// `gantool generate`: samples from a trained conditional GAN.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate images of a class from a trained conditional GAN.",
        discussion: """
            Reads a checkpoint folder written by 'gantool train cgan' and writes a PNG grid. The \
            same --seed gives the same images. --labels all writes one row per class.

            Examples:
              gantool generate --model runs/mnist --label 7 --count 16 --seed 1 -o sevens.png
              gantool generate --model runs/mnist --labels all --count 8 --truncation 1.5 -o all.png
              gantool generate --model runs/mnist --label 3 --count 10 --interpolate -o walk.png
            """)

    @Option(help: "Checkpoint folder (holds state.json).")
    var model: String

    @Option(help: "Class label to draw.")
    var label: Int?

    @Option(help: "'all' for one row per class (instead of --label).")
    var labels: String?

    @Option(help: "Number of images (per class with --labels all; steps with --interpolate).")
    var count = 16

    @Option(help: "Redraw latent components beyond +-T (truncation trick).")
    var truncation: Float?

    @Flag(help: "A latent walk from the latent of --seed to that of --seed + 1, in one row.")
    var interpolate = false

    @Option(help: "Seed of the latent vectors.")
    var seed: UInt64 = 0

    @Option(help: "Grid columns (default: about the square root of --count).")
    var columns: Int?

    @Option(name: [.short, .customLong("output")], help: "Output PNG file.")
    var output: String

    func validate() throws {
        if let labels, labels != "all" { throw ValidationError("--labels takes only 'all'; use --label N for one class") }
        if (label == nil) == (labels == nil) { throw ValidationError("give --label N or --labels all") }
        if interpolate && label == nil { throw ValidationError("--interpolate needs --label N") }
    }

    func run() throws {
        do {
            if let label {
                try ConditionalGeneration.writeGrid(modelDirectory: model, label: label, count: count, seed: seed, truncation: truncation,
                                                    interpolate: interpolate, columns: columns, to: output)
            } else {
                try ConditionalGeneration.writeClassGrid(modelDirectory: model, perClass: count, seed: seed, truncation: truncation, to: output)
            }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
