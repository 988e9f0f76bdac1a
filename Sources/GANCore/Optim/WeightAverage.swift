// Exponential moving average of a network's weights (Polyak averaging; Karras et al. 2018, Brock et al. 2019):
//   θ̄ ← d·θ̄ + (1 − d)·θ   after every optimizer step, for every parameter and buffer of the state dict.
// Buffers (batch-norm running statistics) are averaged too, as BigGAN's reference code does, so the averaged
// network's statistics belong to the averaged weights' recent history rather than to the last step alone;
// counters (`num_batches_tracked`) are copied.

/// Keeps `average`, a second copy of a network, as the exponential moving average of `source`'s
/// parameters and buffers. Sampling from the average usually gives cleaner images and lower FID
/// than sampling from the last step's weights.
public struct WeightAverage {
    /// The decay d per update (0.999 follows roughly the last 1000 steps).
    public let decay: Float
    private let pairs: [(average: Variable, source: Variable)]
    private let counters: [(average: Variable, source: Variable)]

    /// Pairs the state of `average` with that of `source` (the same architecture) by name.
    /// - Precondition: both modules have the same state names and shapes.
    public init(average: Module, source: Module, decay: Float) {
        precondition(decay >= 0 && decay < 1, "WeightAverage: decay must be in [0, 1), got \(decay)")
        let sourceState = Dictionary(uniqueKeysWithValues: source.namedState().map { ($0.name, $0.variable) })
        let matched = average.namedState().map { entry in
            guard let matching = sourceState[entry.name], matching.shape == entry.variable.shape else {
                preconditionFailure("WeightAverage: \(entry.name) has no counterpart of shape \(entry.variable.shape) in the source")
            }
            return (name: entry.name, average: entry.variable, source: matching)
        }
        let isCounter = { (name: String) in name.hasSuffix("num_batches_tracked") }
        pairs = matched.filter { !isCounter($0.name) }.map { ($0.average, $0.source) }
        counters = matched.filter { isCounter($0.name) }.map { ($0.average, $0.source) }
        self.decay = decay
    }

    /// Sets the average to the source's current values.
    public func reset() {
        for (average, source) in pairs + counters { average.value = source.value }
    }

    /// One update: θ̄ ← d·θ̄ + (1 − d)·θ.
    public func update() {
        let keep = decay, take = 1 - decay
        for (average, source) in pairs {
            var values = average.value
            let incoming = source.value.scalars
            values.scalars.withUnsafeMutableBufferPointer { a in
                incoming.withUnsafeBufferPointer { s in
                    for i in 0..<a.count { a[i] = keep * a[i] + take * s[i] }
                }
            }
            average.value = values
        }
        for (average, source) in counters { average.value = source.value }
    }
}
