import ArgumentParser

/// The flags `train pix2pix` and `train inpaint` share besides their schedule: the run's name and folder, the data
/// search, the generator it starts from, the weight of the GAN term, how far it goes and its seed.
struct ImageModelTrainingFlags: ParsableArguments {
    @Option(help: "Model name (manifest; default run folder runs/NAME).")
    var name: String

    @Option(help: "Run folder (default runs/NAME).")
    var out: String?

    @Flag(name: .shortAndLong, help: "Search the folder recursively.")
    var recursive = false

    @Option(help: ArgumentHelp("Start the generator from this model's weights (model folder, run folder or name in the models folder), e.g. an L1-only run to fine-tune with the GAN loss.",
                               valueName: "model"))
    var initGenerator: String?

    @Option(help: "Weight of the adversarial term (0: L1 only).")
    var ganWeight: Float = 1

    @Flag(help: "Train with L1 alone (same as --gan-weight 0): no discriminator.")
    var l1Only = false

    @Option(help: "Train until this many steps in total.")
    var steps = 10000

    @Option(help: "Seed of weights, batches, crops, flips, dropout and masks.")
    var seed: UInt64 = 0

    /// The GAN weight `--gan-weight` and `--l1-only` give.
    var effectiveGANWeight: Float { l1Only ? 0 : ganWeight }
}
