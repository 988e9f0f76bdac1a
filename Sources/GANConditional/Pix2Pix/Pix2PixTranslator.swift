import GANCore
import GANImageIO

/// Runs a pix2pix generator on images of any size: the input is made for the model's task (gray for colorize, edges
/// for edges), reflect-padded to a multiple of 2^depth, translated and cropped back. Sides over `tileSize` run in
/// `tileSize`² tiles overlapping by at least `overlap` pixels, blended by linear ramps across the overlaps (the
/// scheme of GANTranslation's `Translator`). The output is RGB (or gray for a 1-channel model) of the input's size;
/// an input alpha channel is kept. Not synchronised: one call at a time.
public final class Pix2PixTranslator: @unchecked Sendable {
    /// The model.
    public let model: Pix2PixModel
    /// Largest side translated in one piece.
    public var tileSize: Int
    /// Least overlap between neighbouring tiles.
    public var overlap: Int
    /// Colorize models only: give the output the input's luminance, keeping the network's colour (its chroma).
    /// The gray input is the photo's true BT.601 luma, so a colorizer only has to supply chroma; luminance
    /// errors of the network (GAN texture in particular) are dropped. On by default for colorize models.
    public var keepsInputLuminance: Bool

    /// A translator over `model`.
    public init(model: Pix2PixModel, tileSize: Int = 512, overlap: Int = 64) {
        precondition(tileSize > overlap && overlap >= 0, "Pix2PixTranslator: need tileSize > overlap >= 0")
        (self.model, self.tileSize, self.overlap) = (model, tileSize, overlap)
        keepsInputLuminance = model.manifest.task == .colorize
    }

    /// `output` [1, 3, H, W] with its BT.601 luma replaced by `gray` [1, 1, H, W] (both in [-1, 1]):
    ///   Y = 0.299 R + 0.587 G + 0.114 B;  (R, G, B) ← clamp((R, G, B) + (gray − Y), −1, 1).
    /// Adding one constant to R, G and B moves Y by it and leaves Cb ∝ B − Y and Cr ∝ R − Y unchanged.
    static func withLuminance(of gray: Tensor, on output: Tensor) -> Tensor {
        let plane = gray.count
        guard gray.shape.count == 4, gray.shape[1] == 1, output.shape == [gray.shape[0], 3, gray.shape[2], gray.shape[3]], gray.shape[0] == 1 else {
            return output
        }
        var result = output
        result.scalars.withUnsafeMutableBufferPointer { o in
            gray.scalars.withUnsafeBufferPointer { g in
                for p in 0..<plane {
                    let shift = g[p] - (0.299 * o[p] + 0.587 * o[plane + p] + 0.114 * o[2 * plane + p])
                    for c in 0..<3 { o[c * plane + p] = min(1, max(-1, o[c * plane + p] + shift)) }
                }
            }
        }
        return result
    }

    /// The network input of an image for the model's task ([1, C, H, W] in [-1, 1]).
    /// - Throws: `PairedDataError` (bad Canny settings only).
    public func inputTensor(_ image: Image) throws(PairedDataError) -> Tensor {
        let planes = try PairBuilder.input(for: model.manifest.task ?? .pairs, from: image).colorPlanes()
        return Tensor(shape: planes.shape, scalars: planes.values)
    }

    /// Translates an image: same size out, alpha kept, 8-bit.
    /// - Throws: `PairedDataError` or `ImageIOError`.
    public func translate(_ image: Image) throws -> Image {
        let output = translate(tensor: try inputTensor(image))
        let planes = try FloatPlanes(channels: output.shape[1], height: image.height, width: image.width, values: output.scalars)
        return try Image(planes: planes, alpha: image.alphaChannel()?.converted(to: .uint8))
    }

    /// Translates [1, C, H, W] of any H and W, tiling when a side exceeds `tileSize` (and, with
    /// `keepsInputLuminance`, keeping the input's luminance).
    public func translate(tensor input: Tensor) -> Tensor {
        let output = translateTiles(input)
        return keepsInputLuminance ? Self.withLuminance(of: input, on: output) : output
    }

    /// The network's output for [1, C, H, W], tiled when a side exceeds `tileSize`, each piece reflect-padded to a
    /// multiple of 2^depth and run in evaluation mode.
    func translateTiles(_ input: Tensor) -> Tensor {
        let generator = model.generator
        generator.eval()
        return TileGeometry.tiled(input, tile: tileSize, overlap: overlap) { tile in
            TileGeometry.padded(tile, toMultipleOf: model.manifest.configuration.multiple) { piece in withNoGrad { generator(Variable(piece)) }.value }
        }
    }
}
