import Foundation
import GANImageIO

/// How close an inpainted image is to the original, measured inside the hole only.
///
/// Samples are scaled to [0, 1] (by 255 or 65535) and compared per colour channel (R, G, B, or
/// gray; alpha is ignored); the numbers average over hole pixels and colour channels:
///
/// - `l1`: mean |result − reference|.
/// - `psnr`: 10·log10(1 / MSE) in dB; infinite when the hole is reproduced exactly.
/// - `ssim`: SSIM (Wang et al. 2004) with an 11x11 Gaussian window, σ = 1.5, C1 = 0.01²,
///   C2 = 0.03², computed per colour channel over the whole image, and its map averaged over the
///   hole pixels. At the image edge the window is cut off and renormalised to sum to 1.
///   (tools/opencv_inpaint_baseline.py computes the same three numbers in numpy.)
public struct HoleMetrics: Sendable, Equatable, Codable {
    /// Mean absolute error in the hole, 0...1.
    public var l1: Double
    /// Peak signal-to-noise ratio in the hole, dB.
    public var psnr: Double
    /// Mean SSIM over the hole, ≤ 1.
    public var ssim: Double
    /// Hole pixels measured.
    public var holePixels: Int

    /// Measures `result` against `reference` over the holes of `mask`. The images must have the
    /// same size and colour channels (their bit depths may differ); the mask, their size and
    /// at least one hole pixel.
    public init(result: Image, reference: Image, mask: Mask) throws(InpaintingError) {
        guard result.width == reference.width, result.height == reference.height,
              result.layout.colorChannelCount == reference.layout.colorChannelCount else {
            throw .invalidArgument("cannot compare a \(result.width)x\(result.height) \(result.layout) image with a \(reference.width)x\(reference.height) \(reference.layout) one")
        }
        guard mask.width == result.width, mask.height == result.height else {
            throw .maskSizeMismatch(maskWidth: mask.width, maskHeight: mask.height, imageWidth: result.width, imageHeight: result.height)
        }
        let holes = mask.holeCount
        guard holes > 0 else { throw .invalidArgument("the mask has no hole pixels to measure") }
        let channels = result.layout.colorChannelCount
        var absolute = 0.0, squared = 0.0, structural = 0.0
        for c in 0..<channels {
            let x = Self.plane(result, channel: c), y = Self.plane(reference, channel: c)
            let map = Self.ssimMap(x, y, width: result.width, height: result.height)
            for p in 0..<x.count where mask.isHole[p] {
                let d = x[p] - y[p]
                absolute += abs(d); squared += d * d; structural += map[p]
            }
        }
        let count = Double(holes * channels)
        l1 = absolute / count
        let mse = squared / count
        psnr = mse == 0 ? .infinity : 10 * log10(1 / mse)
        ssim = structural / count
        holePixels = holes
    }

    /// One colour channel scaled to [0, 1].
    static func plane(_ image: Image, channel: Int) -> [Double] {
        let stride = image.channelCount, scale = 1 / Double(image.sampleType.maxValue)
        return (0..<(image.width * image.height)).map { Double(image.samples[$0 * stride + channel]) * scale }
    }

    /// The normalised 11-tap Gaussian, σ = 1.5.
    static let window: [Double] = {
        let taps = (-5...5).map { exp(-Double($0 * $0) / (2 * 1.5 * 1.5)) }
        let sum = taps.reduce(0, +)
        return taps.map { $0 / sum }
    }()

    /// The Gaussian-weighted local mean of `values` at every pixel (separable; the window is cut
    /// at the edges and renormalised).
    static func blur(_ values: [Double], width: Int, height: Int) -> [Double] {
        func pass(_ input: [Double], along step: Int, length: Int, lines: Int, lineStep: Int) -> [Double] {
            var output = [Double](repeating: 0, count: input.count)
            for line in 0..<lines {
                for i in 0..<length {
                    var sum = 0.0, weight = 0.0
                    for k in -5...5 where i + k >= 0 && i + k < length {
                        sum += window[k + 5] * input[line * lineStep + (i + k) * step]
                        weight += window[k + 5]
                    }
                    output[line * lineStep + i * step] = sum / weight
                }
            }
            return output
        }
        let rows = pass(values, along: 1, length: width, lines: height, lineStep: width)
        return pass(rows, along: width, length: height, lines: width, lineStep: 1)
    }

    /// The SSIM map of two planes.
    static func ssimMap(_ x: [Double], _ y: [Double], width: Int, height: Int) -> [Double] {
        let c1 = 0.01 * 0.01, c2 = 0.03 * 0.03
        let mx = blur(x, width: width, height: height), my = blur(y, width: width, height: height)
        let xx = blur(x.map { $0 * $0 }, width: width, height: height)
        let yy = blur(y.map { $0 * $0 }, width: width, height: height)
        let xy = blur(zip(x, y).map { $0 * $1 }, width: width, height: height)
        return (0..<x.count).map { p in
            let vx = xx[p] - mx[p] * mx[p], vy = yy[p] - my[p] * my[p], cov = xy[p] - mx[p] * my[p]
            return ((2 * mx[p] * my[p] + c1) * (2 * cov + c2)) / ((mx[p] * mx[p] + my[p] * my[p] + c1) * (vx + vy + c2))
        }
    }
}
