/// Instance normalisation (PyTorch `InstanceNorm2d`, `track_running_stats=False`).
/// With `affine: true` it has parameters `weight` (ones) and `bias` (zeros) [C]; otherwise none.
public final class InstanceNorm2d: Module, @unchecked Sendable {
    /// Per-channel scale, when affine.
    public let weight: Variable?
    /// Per-channel shift, when affine.
    public let bias: Variable?
    /// Added to the variance.
    public let eps: Float

    /// Creates the layer; CycleGAN and pix2pix use `affine: false`.
    public init(channels: Int, affine: Bool = false, eps: Float = 1e-5) {
        weight = affine ? .parameter(.ones([channels])) : nil
        bias = affine ? .parameter(.zeros([channels])) : nil
        self.eps = eps
    }

    /// PyTorch-named parameters of this layer.
    override public var ownParameters: [(name: String, parameter: Variable)] {
        guard let weight, let bias else { return [] }
        return [("weight", weight), ("bias", bias)]
    }

    /// Normalises each image plane.
    override public func forward(_ input: Variable) -> Variable { instanceNorm(input, weight: weight, bias: bias, eps: eps) }

    /// Normalises and, with `fusedReLU`, applies a ReLU in the same pass.
    public func forward(_ input: Variable, fusedReLU: Bool) -> Variable {
        instanceNorm(input, weight: weight, bias: bias, eps: eps, fusedReLU: fusedReLU)
    }
}

/// Batch normalisation (PyTorch `BatchNorm2d`): parameters `weight`, `bias`; buffers `running_mean`,
/// `running_var`, `num_batches_tracked` (a count stored as a one-element Float tensor of shape []).
public final class BatchNorm2d: Module, @unchecked Sendable {
    /// Per-channel scale (ones), when affine.
    public let weight: Variable?
    /// Per-channel shift (zeros), when affine.
    public let bias: Variable?
    /// Running mean [C] (zeros).
    public let runningMean: Variable
    /// Running unbiased variance [C] (ones).
    public let runningVariance: Variable
    /// Training forward passes so far (PyTorch's `num_batches_tracked`).
    public let batchesTracked: Variable
    /// Weight of the newest batch in the running statistics.
    public let momentum: Float
    /// Added to the variance.
    public let eps: Float

    /// Creates the layer with PyTorch's defaults.
    public init(channels: Int, affine: Bool = true, momentum: Float = 0.1, eps: Float = 1e-5) {
        weight = affine ? .parameter(.ones([channels])) : nil
        bias = affine ? .parameter(.zeros([channels])) : nil
        runningMean = Variable(.zeros([channels]))
        runningVariance = Variable(.ones([channels]))
        batchesTracked = Variable(.zeros([]))
        (self.momentum, self.eps) = (momentum, eps)
    }

    /// PyTorch-named parameters of this layer.
    override public var ownParameters: [(name: String, parameter: Variable)] {
        guard let weight, let bias else { return [] }
        return [("weight", weight), ("bias", bias)]
    }

    /// PyTorch-named buffers of this layer.
    override public var ownBuffers: [(name: String, buffer: Variable)] {
        [("running_mean", runningMean), ("running_var", runningVariance), ("num_batches_tracked", batchesTracked)]
    }

    /// Normalises with batch statistics in training (updating the running ones), running statistics in evaluation.
    override public func forward(_ input: Variable) -> Variable {
        if isTraining { batchesTracked.value.scalars[0] += 1 }
        let factor = StandingStatistics.isCollecting ? 1 / max(1, batchesTracked.value.scalars[0]) : momentum
        return batchNorm(input, weight: weight, bias: bias, runningMean: runningMean, runningVariance: runningVariance,
                         training: isTraining, momentum: factor, eps: eps)
    }
}

/// Class-conditional batch normalisation: batch norm without its own affine, followed by a per-sample scale
/// and shift looked up from the class label. Children `weights` (init ones) and `biases` (init zeros) are
/// `Embedding(numClasses, C)`, so the keys are `weights.weight`, `biases.weight`, plus `running_mean`,
/// `running_var`, `num_batches_tracked` (the layout of the common CategoricalConditionalBatchNorm2d).
public final class ConditionalBatchNorm2d: Module, @unchecked Sendable {
    /// Per-class scale table.
    public let weights: Embedding
    /// Per-class shift table.
    public let biases: Embedding
    private let norm: BatchNorm2d

    /// Creates the layer for `numClasses` labels and `channels` feature maps.
    public init(channels: Int, numClasses: Int, momentum: Float = 0.1, eps: Float = 1e-5) {
        norm = BatchNorm2d(channels: channels, affine: false, momentum: momentum, eps: eps)
        weights = Embedding(table: .ones([numClasses, channels]))
        biases = Embedding(table: .zeros([numClasses, channels]))
    }

    /// PyTorch-named buffers of this layer.
    override public var ownBuffers: [(name: String, buffer: Variable)] { norm.ownBuffers }

    /// Child modules with their PyTorch names.
    override public var children: [(name: String, module: Module)] { [("weights", weights), ("biases", biases)] }

    /// Normalises `input` [N, C, H, W] and applies the scale and shift of each sample's class in `labels` (N labels).
    public func callAsFunction(_ input: Variable, labels: [Int]) -> Variable {
        precondition(labels.count == input.shape.first, "ConditionalBatchNorm2d: \(labels.count) labels for input shape \(input.shape)")
        norm.train(isTraining)
        let normalized = norm(input)
        return channelAffine(normalized, scale: weights(labels), shift: biases(labels))
    }
}
