import GANCore
import GANImageIO

/// Runs an image-to-image network on images of any size and aspect.
///
/// Each piece is reflect-padded to a multiple of `multiple` (4 for a ResnetGenerator's two stride-2 levels),
/// translated, and cropped back. Images larger than `tileSize` on a side are cut into `tileSize`² tiles that
/// overlap by at least `overlap` pixels; tile outputs are blended with weights that ramp linearly across each
/// overlap (1/(overlap+1) up to 1), so seams fade instead of jumping.
///
/// Memory: besides the network's own activations for one tile (bounded by `tileSize`, whatever the image size),
/// the image-sized buffers are the input planes (3 floats per pixel), the blend sums and weights (4), and the
/// output planes (3): about 10 floats (40 bytes) per pixel, plus the decoded and the output image (UInt16 samples).
/// Instance-norm statistics are computed per tile, so a tiled result is close to, not equal to, a whole-image one.
public final class Translator: @unchecked Sendable {
    /// The network: [1, 3, h, w] with h, w multiples of `multiple` to [1, C, h, w].
    public let transform: (Tensor) -> Tensor
    /// Largest side translated in one piece; larger images are tiled.
    public var tileSize: Int
    /// Least overlap between neighbouring tiles.
    public var overlap: Int
    /// Pieces are padded to a multiple of this.
    public let multiple: Int

    /// A translator over a generator module (run in eval mode without gradients), its convolution
    /// products in `precision`.
    public convenience init(generator: Module, tileSize: Int = 384, overlap: Int = 64, precision: InferencePrecision = .float32) {
        generator.eval()
        self.init(tileSize: tileSize, overlap: overlap, multiple: 4) { x in
            InferencePrecision.$current.withValue(precision) { withNoGrad { generator(Variable(x)).value } }
        }
    }

    /// A translator over any function of [1, 3, h, w] tensors.
    public init(tileSize: Int = 384, overlap: Int = 64, multiple: Int = 4, transform: @escaping (Tensor) -> Tensor) {
        precondition(tileSize > overlap && overlap >= 0 && multiple >= 1, "Translator: need tileSize > overlap >= 0")
        (self.tileSize, self.overlap, self.multiple, self.transform) = (tileSize, overlap, multiple, transform)
    }

    /// Translates an image: colour through the network (gray is replicated to RGB), alpha untouched,
    /// the same size and sample type (8 or 16 bit) out; the result is RGB or RGBA.
    public func translate(_ image: Image) throws(ImageIOError) -> Image {
        let output = translate(image.rgbTensor())
        let planes = try FloatPlanes(channels: output.shape[1], height: image.height, width: image.width, values: output.scalars)
        return try Image(planes: planes, sampleType: image.sampleType, alpha: image.alphaChannel())
    }

    /// Translates a tensor [1, C, H, W] of any H and W, tiling when a side exceeds `tileSize`.
    public func translate(_ input: Tensor) -> Tensor {
        let (h, w) = (input.shape[2], input.shape[3])
        if h <= tileSize && w <= tileSize { return runPadded(input) }
        let rows = TileGeometry.starts(length: h, tile: tileSize, overlap: overlap)
        let columns = TileGeometry.starts(length: w, tile: tileSize, overlap: overlap)
        var sum: [Float] = [], weightSum = [Float](repeating: 0, count: h * w), channels = 0
        for y0 in rows {
            let th = min(tileSize, h), wy = TileGeometry.ramp(start: y0, size: th, length: h, overlap: overlap)
            for x0 in columns {
                let tw = min(tileSize, w), wx = TileGeometry.ramp(start: x0, size: tw, length: w, overlap: overlap)
                let out = runPadded(TileGeometry.crop(input, y: y0, x: x0, height: th, width: tw))
                if sum.isEmpty { channels = out.shape[1]; sum = [Float](repeating: 0, count: channels * h * w) }
                for y in 0..<th {
                    for x in 0..<tw {
                        let weight = wy[y] * wx[x], p = (y0 + y) * w + x0 + x
                        weightSum[p] += weight
                        for c in 0..<channels { sum[c * h * w + p] += weight * out.scalars[(c * th + y) * tw + x] }
                    }
                }
            }
        }
        for c in 0..<channels { for p in 0..<(h * w) { sum[c * h * w + p] /= weightSum[p] } }
        return Tensor(shape: [1, channels, h, w], scalars: sum)
    }

    /// Pads a piece by reflection to a multiple of `multiple`, runs the network, crops back.
    func runPadded(_ x: Tensor) -> Tensor {
        let (h, w) = (x.shape[2], x.shape[3])
        let ph = (multiple - h % multiple) % multiple, pw = (multiple - w % multiple) % multiple
        if ph == 0 && pw == 0 { return transform(x) }
        let top = ph / 2, left = pw / 2
        let out = transform(TileGeometry.reflectPad(x, top: top, left: left, height: h + ph, width: w + pw))
        return TileGeometry.crop(out, y: top, x: left, height: h, width: w)
    }
}
