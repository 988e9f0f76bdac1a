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
        TileGeometry.tiled(input, tile: tileSize, overlap: overlap) { TileGeometry.padded($0, toMultipleOf: multiple, run: transform) }
    }
}
