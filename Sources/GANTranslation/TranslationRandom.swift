// A small random generator whose whole state is one public UInt64 (SplitMix64), so that training can
// write it into a checkpoint and resume the same stream. GANCore's SeededGenerator keeps its state private.

/// SplitMix64 (Steele, Lea & Flood 2014): a 64-bit state advanced by a constant, then mixed.
/// Its state can be saved and restored, which is what checkpoints need.
public struct CheckpointableGenerator: RandomNumberGenerator, Sendable, Equatable, Codable {
    /// The whole state: the same value always continues with the same numbers.
    public var state: UInt64

    /// Creates a generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) { state = seed }

    /// Creates a generator for one item of a stream, from a seed and two indices (say epoch and
    /// position), so that per-item randomness needs no saved state.
    public init(seed: UInt64, _ a: Int, _ b: Int) {
        var mixer = CheckpointableGenerator(seed: seed ^ 0x5851_F42D_4C95_7F2D)
        mixer.state = mixer.next() ^ (UInt64(truncatingIfNeeded: a) &* 0x9E37_79B9_7F4A_7C15)
        mixer.state = mixer.next() ^ (UInt64(truncatingIfNeeded: b) &* 0xBF58_476D_1CE4_E5B9)
        state = mixer.next()
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform sample in [0, 1) with 24 random bits (as `random.uniform(0, 1)`).
    public mutating func nextUniform() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }
}
