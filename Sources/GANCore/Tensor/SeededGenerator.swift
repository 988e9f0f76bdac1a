import Foundation

/// A reproducible pseudo-random generator: xoshiro256** seeded through SplitMix64.
///
/// The same seed always gives the same sequence on every platform.
/// Normal samples use the Box-Muller transform.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)
    private var spareNormal: Float?

    /// Creates a generator whose whole sequence is determined by `seed`.
    public init(seed: UInt64) {
        var splitMix = seed
        func nextSplitMix() -> UInt64 {
            splitMix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitMix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (nextSplitMix(), nextSplitMix(), nextSplitMix(), nextSplitMix())
        spareNormal = nil
    }

    /// The next 64 random bits (xoshiro256**).
    public mutating func next() -> UInt64 {
        let result = rotateLeft(state.1 &* 5, by: 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotateLeft(state.3, by: 45)
        return result
    }

    /// A uniform sample in [0, 1) with 24 random bits.
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// A standard normal sample, N(0, 1), by Box-Muller: z = sqrt(-2 ln u1) cos(2π u2).
    public mutating func nextNormal() -> Float {
        if let spare = spareNormal {
            spareNormal = nil
            return spare
        }
        // u1 in (0, 1] so that the logarithm is finite.
        let u1 = (Double(next() >> 11) + 1) * (1.0 / 9_007_199_254_740_992.0)
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        let radius = (-2 * log(u1)).squareRoot()
        let angle = 2 * Double.pi * u2
        spareNormal = Float(radius * sin(angle))
        return Float(radius * cos(angle))
    }

    private func rotateLeft(_ x: UInt64, by k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

/// A generator's whole state can be saved (a training checkpoint) and restored to continue the
/// same sequence: four 64-bit words and the pending Box-Muller sample.
extension SeededGenerator: Codable, Equatable {
    private enum CodingKeys: String, CodingKey { case state, spareNormal }

    /// Restores a generator saved with `encode(to:)`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let words = try container.decode([UInt64].self, forKey: .state)
        guard words.count == 4, words.contains(where: { $0 != 0 }) else {
            throw DecodingError.dataCorruptedError(forKey: .state, in: container,
                                                   debugDescription: "a generator state is four words, not all zero")
        }
        self.init(seed: 0)
        state = (words[0], words[1], words[2], words[3])
        spareNormal = try container.decodeIfPresent(Float.self, forKey: .spareNormal)
    }

    /// Saves the whole state.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode([state.0, state.1, state.2, state.3], forKey: .state)
        try container.encodeIfPresent(spareNormal, forKey: .spareNormal)
    }

    /// Two generators are equal when they will produce the same sequence.
    public static func == (a: SeededGenerator, b: SeededGenerator) -> Bool {
        a.state == b.state && a.spareNormal == b.spareNormal
    }
}
