import ArgumentParser

/// `gantool train ...`: the training commands, one per model family.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model.",
        subcommands: [TrainCycleGAN.self, TrainCGAN.self, TrainPix2Pix.self, TrainInpaint.self])
}
