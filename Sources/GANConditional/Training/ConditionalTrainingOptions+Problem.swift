import GANCore

extension ConditionalTrainingOptions {
    /// A setting out of its range: which one, and what it must be. The one place the label GAN's options are
    /// checked; gantool words it with its flag, GANKit and the trainer with the setting's name.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        /// The settings that can be out of range.
        public enum Setting: String, Sendable, CaseIterable {
            case batchSize = "batch size", learningRate = "learning rate", discriminatorSteps = "discriminator steps"
            case averageDecay = "average decay", learningRateDecay = "learning-rate decay", classLossWeight = "class loss weight"
            case diversityWeight = "diversity weight", diversityQuantile = "diversity quantile"
            case consistencyWeight = "consistency weight", generatorTopFraction = "top-k fraction"
        }

        /// The setting.
        public var setting: Setting
        /// What it must be ("must be in (0, 1], got 0").
        public var requirement: String

        /// "the top-k fraction must be in (0, 1], got 0".
        public var description: String { "the \(setting.rawValue) \(requirement)" }
    }

    /// The first setting out of its range, or nil when the options can train.
    public var problem: Problem? {
        func bad(_ setting: Problem.Setting, _ requirement: String) -> Problem { Problem(setting: setting, requirement: requirement) }
        func nonNegative(_ x: Float?) -> Bool { x.map { $0 >= 0 && $0.isFinite } ?? true }
        if batchSize < 1 { return bad(.batchSize, "must be positive, got \(batchSize)") }
        if !(generatorLearningRate > 0 && discriminatorLearningRate > 0) { return bad(.learningRate, "must be positive") }
        if discriminatorSteps < 1 { return bad(.discriminatorSteps, "must be at least 1, got \(discriminatorSteps)") }
        if let d = averageDecay, !(d >= 0 && d < 1) { return bad(.averageDecay, "must be in [0, 1), e.g. 0.999, got \(d)") }
        if let start = decayStartStep, let end = decayEndStep, !(end > start && start >= 0) {
            return bad(.learningRateDecay, "must end after it starts, at a step >= 0 (from \(start) to \(end))")
        }
        if !nonNegative(classLossWeight) { return bad(.classLossWeight, "must be >= 0, got \(classLossWeight!)") }
        if !nonNegative(diversityWeight) { return bad(.diversityWeight, "must be >= 0, got \(diversityWeight!)") }
        if let q = diversityQuantile {
            guard q > 0 && q < 1 else { return bad(.diversityQuantile, "must be in (0, 1), got \(q)") }
            guard diversityWeight != nil else { return bad(.diversityQuantile, "needs a diversity weight") }
        }
        if !nonNegative(consistencyWeight) { return bad(.consistencyWeight, "must be >= 0, got \(consistencyWeight!)") }
        if let f = generatorTopFraction, !(f > 0 && f <= 1) { return bad(.generatorTopFraction, "must be in (0, 1], e.g. 0.5, got \(f)") }
        return nil
    }
}

extension ConditionalTrainingOptions {
    /// Why these options cannot train data-parallel over `ranks` ranks, or nil: the batch must split evenly, and the
    /// diversity term (pairs across the batch) and top-k training (a ranking of the whole batch) couple rows that
    /// different ranks hold.
    public func dataParallelProblem(ranks: Int) -> DataParallelError? {
        guard ranks > 1 else { return nil }
        if batchSize % ranks != 0 { return .batchDoesNotSplit(batch: batchSize, ranks: ranks) }
        if (diversityWeight ?? 0) > 0 { return .unsupported("the diversity term pairs images across the batch; train without --diversity-weight") }
        if let fraction = generatorTopFraction, fraction < 1 { return .unsupported("top-k training ranks the whole batch; train without --top-k-fraction") }
        return nil
    }
}
