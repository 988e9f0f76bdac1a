/// How ``Image/resized(width:height:filter:)`` enlarges. Shrinking always averages areas.
public enum ResizeFilter: String, Sendable, CaseIterable, Codable {
    /// Linear interpolation between the two nearest samples (half-pixel centres).
    case bilinear
    /// Keys cubic convolution with a = -0.5 over the four nearest samples.
    case bicubic
}

/// One output sample's inputs along an axis: the first input index and one weight per input.
struct AxisWeights {
    var first: [Int] = []
    var weights: [[Float]] = []

    /// The weights that take `inSize` samples to `outSize`: exact area averaging when shrinking,
    /// `filter` when enlarging, identity when the size is kept. Edges are clamped.
    init(from inSize: Int, to outSize: Int, filter: ResizeFilter) {
        let scale = Double(inSize) / Double(outSize)
        for i in 0..<outSize {
            if outSize == inSize {
                first.append(i); weights.append([1])
            } else if outSize < inSize {
                // Output i covers [i*scale, (i+1)*scale) of the input; weight = overlap / scale.
                let lo = Double(i) * scale, hi = Double(i + 1) * scale
                let start = Int(lo.rounded(.down)), end = min(inSize, Int(hi.rounded(.up)))
                first.append(start)
                weights.append((start..<end).map { j in Float((min(Double(j + 1), hi) - max(Double(j), lo)) / scale) })
            } else {
                // Sample position of output i's centre in input coordinates (align_corners = false).
                let x = (Double(i) + 0.5) * scale - 0.5
                let base = Int(x.rounded(.down)), t = x - Double(base)
                let taps: [(Int, Double)] = switch filter {
                case .bilinear: [(base, 1 - t), (base + 1, t)]
                case .bicubic: (-1...2).map { (base + $0, Self.keys(Double($0) - t)) }
                }
                // Fold taps that fall outside onto the edge samples.
                let lo = max(0, min(inSize - 1, taps.first!.0)), hi = max(0, min(inSize - 1, taps.last!.0))
                var w = [Float](repeating: 0, count: hi - lo + 1)
                for (j, weight) in taps { w[max(0, min(inSize - 1, j)) - lo] += Float(weight) }
                first.append(lo); weights.append(w)
            }
        }
    }

    /// Keys' cubic kernel, a = -0.5.
    static func keys(_ x: Double) -> Double {
        let a = -0.5, x = abs(x)
        if x <= 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
        if x < 2 { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
        return 0
    }
}

extension Image {
    /// The image resampled to `width` x `height`. Each axis that shrinks is area-averaged (every
    /// input pixel counts in proportion to its overlap), each axis that grows is interpolated with
    /// `filter`. With alpha, colour is weighted by alpha so that transparent pixels do not bleed.
    /// Results are rounded to the nearest sample value.
    public func resized(width outW: Int, height outH: Int, filter: ResizeFilter = .bilinear) throws(ImageIOError) -> Image {
        guard outW > 0, outH > 0 else { throw .invalidArgument("resize needs a positive size, got \(outW)x\(outH)") }
        if outW == width && outH == height { return self }
        let c = channelCount, alphaIndex = layout.hasAlpha ? c - 1 : -1
        let horizontal = AxisWeights(from: width, to: outW, filter: filter)
        let vertical = AxisWeights(from: height, to: outH, filter: filter)

        // Samples as floats, colour premultiplied by alpha (in 0...1) when there is alpha.
        var src = [Float](repeating: 0, count: samples.count)
        let maxValue = Float(sampleType.maxValue)
        for p in 0..<(width * height) {
            let a: Float = alphaIndex >= 0 ? Float(samples[p * c + alphaIndex]) / maxValue : 1
            for k in 0..<c { src[p * c + k] = k == alphaIndex ? Float(samples[p * c + k]) : Float(samples[p * c + k]) * a }
        }
        // Rows first: width -> outW.
        var rows = [Float](repeating: 0, count: outW * height * c)
        for y in 0..<height {
            for x in 0..<outW {
                let start = horizontal.first[x], ws = horizontal.weights[x]
                for k in 0..<c {
                    var sum: Float = 0
                    for (j, w) in ws.enumerated() { sum += w * src[(y * width + start + j) * c + k] }
                    rows[(y * outW + x) * c + k] = sum
                }
            }
        }
        // Then columns: height -> outH, rounding and clamping into samples.
        var out = [UInt16](repeating: 0, count: outW * outH * c)
        for y in 0..<outH {
            let start = vertical.first[y], ws = vertical.weights[y]
            for x in 0..<outW {
                var pixel = [Float](repeating: 0, count: c)
                for k in 0..<c {
                    var sum: Float = 0
                    for (j, w) in ws.enumerated() { sum += w * rows[((start + j) * outW + x) * c + k] }
                    pixel[k] = sum
                }
                let a: Float = alphaIndex >= 0 ? min(max(pixel[alphaIndex], 0), maxValue) / maxValue : 1
                for k in 0..<c {
                    let v = k == alphaIndex || alphaIndex < 0 ? pixel[k] : (a > 0 ? pixel[k] / a : 0)
                    out[(y * outW + x) * c + k] = UInt16(min(max(v.rounded(), 0), maxValue))
                }
            }
        }
        return Image(unchecked: outW, height: outH, layout: layout, sampleType: sampleType, samples: out)
    }
}
