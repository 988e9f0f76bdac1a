/// A density estimated from samples by a histogram with equal-width bins on [low, high):
/// p̂(x) = (samples in x's bin) / (total samples × bin width). Samples outside the range count in
/// the total but in no bin, so p̂ integrates to the fraction of samples inside the range.
public struct HistogramDensity: Sendable, Equatable {
    /// The left edge of the first bin.
    public let low: Float
    /// The right edge of the last bin.
    public let high: Float
    /// p̂ on each bin.
    public let densities: [Float]

    /// Estimates the density of `samples` with `bins` bins on [low, high).
    public init(samples: [Float], low: Float, high: Float, bins: Int) {
        precondition(high > low && bins > 0 && !samples.isEmpty, "HistogramDensity: need high > low, bins > 0 and samples")
        var counts = [Int](repeating: 0, count: bins)
        let width = (high - low) / Float(bins)
        for x in samples where x >= low && x < high {
            counts[min(bins - 1, Int((x - low) / width))] += 1
        }
        (self.low, self.high) = (low, high)
        densities = counts.map { Float($0) / (Float(samples.count) * width) }
    }

    /// The width of one bin.
    public var binWidth: Float { (high - low) / Float(densities.count) }

    /// p̂(x): the density of x's bin, 0 outside [low, high).
    public func density(_ x: Float) -> Float {
        guard x >= low && x < high else { return 0 }
        return densities[min(densities.count - 1, Int((x - low) / binWidth))]
    }

    /// The centre of bin `index`.
    public func binCenter(_ index: Int) -> Float { low + (Float(index) + 0.5) * binWidth }
}
