import Testing
@testable import GANCore

@Suite("Weights: float conversions")
struct WeightsConversionTests {
    @Test func halfKnownBitPatterns() {
        let cases: [(Float, UInt16)] = [
            (1.0, 0x3C00), (-2.0, 0xC000), (65504, 0x7BFF), (0.0, 0x0000), (-0.0, 0x8000),
            (.infinity, 0x7C00), (-.infinity, 0xFC00),
            (0x1p-24, 0x0001),          // smallest subnormal
            (0x1p-14, 0x0400),          // smallest normal
            (Float(1023) * 0x1p-24, 0x03FF), // largest subnormal
            (0.333251953125, 0x3555),
        ]
        for (f, h) in cases {
            #expect(WeightHalfConversion.halfBits(from: f) == h, "\(f)")
            #expect(WeightHalfConversion.floatFromHalfBits(h).bitPattern == f.bitPattern, "\(h)")
        }
    }

    @Test func halfRoundsToNearestEven() {
        #expect(WeightHalfConversion.halfBits(from: 65519) == 0x7BFF)      // below the midpoint
        #expect(WeightHalfConversion.halfBits(from: 65520) == 0x7C00)      // midpoint -> even -> infinity
        #expect(WeightHalfConversion.halfBits(from: 1e6) == 0x7C00)
        #expect(WeightHalfConversion.halfBits(from: -1e6) == 0xFC00)
        #expect(WeightHalfConversion.halfBits(from: 1 + 0x1p-11) == 0x3C00) // tie -> even (down)
        #expect(WeightHalfConversion.halfBits(from: 1 + 3 * 0x1p-11) == 0x3C02) // tie -> even (up)
        #expect(WeightHalfConversion.halfBits(from: 1 + 0x1p-11 + 0x1p-20) == 0x3C01) // above tie
        #expect(WeightHalfConversion.halfBits(from: 0x1p-25) == 0x0000)     // tie with 0 -> even
        #expect(WeightHalfConversion.halfBits(from: 0x1.8p-25) == 0x0001)
        #expect(WeightHalfConversion.halfBits(from: -0x1p-26) == 0x8000)   // underflow keeps sign
        #expect(WeightHalfConversion.halfBits(from: 0x1p-30) == 0)
        #expect(WeightHalfConversion.halfBits(from: 3 * 0x1p-25) == 0x0002) // subnormal tie 1.5 -> 2
        #expect(WeightHalfConversion.halfBits(from: Float(bitPattern: 1)) == 0) // float subnormal
        #expect(WeightHalfConversion.halfBits(from: 0x1.ffcp-15) == 0x0400) // rounds up into the normal range
    }

    @Test func halfNaN() {
        let h = WeightHalfConversion.halfBits(from: .nan)
        #expect(h & 0x7C00 == 0x7C00 && h & 0x03FF != 0)
        #expect(WeightHalfConversion.floatFromHalfBits(0x7E00).isNaN)
        #expect(WeightHalfConversion.floatFromHalfBits(0xFC01).isNaN)
        #expect(WeightHalfConversion.halfBits(from: -Float.nan) & 0x8000 != 0)
    }

    @Test func halfExhaustiveRoundTrip() {
        for h in 0...UInt16.max {
            let f = WeightHalfConversion.floatFromHalfBits(h)
            if f.isNaN {
                #expect(WeightHalfConversion.halfBits(from: f) & 0x7C00 == 0x7C00)
            } else if WeightHalfConversion.halfBits(from: f) != h {
                Issue.record("half 0x\(String(h, radix: 16)) -> \(f) does not round-trip")
            }
        }
    }

    @Test func bf16KnownBitPatterns() {
        let cases: [(Float, UInt16)] = [
            (1.0, 0x3F80), (-0.0, 0x8000), (0, 0), (.infinity, 0x7F80), (-.infinity, 0xFF80),
            (Float(bitPattern: 0x0001_0000), 0x0001), // bf16 subnormal
            (3.0e38, 0x7F62),
        ]
        for (f, b) in cases {
            #expect(WeightHalfConversion.bf16Bits(from: f) == b, "\(f)")
        }
        #expect(WeightHalfConversion.floatFromBF16Bits(0x3F80) == 1.0)
        #expect(WeightHalfConversion.bf16Bits(from: Float(bitPattern: 0x3F80_8000)) == 0x3F80) // tie -> even
        #expect(WeightHalfConversion.bf16Bits(from: Float(bitPattern: 0x3F81_8000)) == 0x3F82) // tie -> even
        #expect(WeightHalfConversion.bf16Bits(from: Float(bitPattern: 0x3F80_8001)) == 0x3F81)
        #expect(WeightHalfConversion.bf16Bits(from: .greatestFiniteMagnitude) == 0x7F80)      // rounds to infinity
        #expect(WeightHalfConversion.bf16Bits(from: Float(bitPattern: 0x7F80_0001)) == 0x7FC0) // sNaN -> qNaN
        #expect(WeightHalfConversion.floatFromBF16Bits(WeightHalfConversion.bf16Bits(from: .nan)).isNaN)
        #expect(WeightHalfConversion.bf16Bits(from: -Float.nan) & 0x8000 != 0)
    }

    @Test func bf16ExhaustiveRoundTrip() {
        for b in 0...UInt16.max {
            let f = WeightHalfConversion.floatFromBF16Bits(b)
            let back = WeightHalfConversion.bf16Bits(from: f)
            if f.isNaN {
                #expect(WeightHalfConversion.floatFromBF16Bits(back).isNaN)
            } else if back != b {
                Issue.record("bf16 0x\(String(b, radix: 16)) does not round-trip")
            }
        }
    }
}
