import GANCore
import GANImageIO

/// How a training image is brought to the network's size (junyanz `--preprocess`). Every result has
/// sides that are multiples of 4, which a ResnetGenerator gives back unchanged.
public enum Preprocessing: Sendable, Equatable {
    /// Resize to `loadSize`×`loadSize`, then crop a random `cropSize`×`cropSize` square (`resize_and_crop`).
    case resizeAndCrop(loadSize: Int, cropSize: Int)
    /// Resize to width `loadSize` keeping the aspect ratio; with `cropSize`, then crop a random square
    /// (`scale_width` / `scale_width_and_crop`); sides are rounded to multiples of 4.
    case scaleWidth(loadSize: Int, cropSize: Int?)
    /// Keep the size, only rounding the sides to multiples of 4 by resizing (`none`, junyanz `__make_power_2`).
    case none

    /// Applies the preprocessing (and a horizontal flip with probability 1/2 when `flip`) with draws from `generator`.
    public func apply<G: RandomNumberGenerator>(to image: Image, flip: Bool, using generator: inout G) throws(ImageIOError) -> Image {
        var out = image
        switch self {
        case let .resizeAndCrop(loadSize, cropSize):
            guard cropSize <= loadSize else { throw .invalidArgument("crop size \(cropSize) exceeds load size \(loadSize)") }
            out = try out.resized(width: loadSize, height: loadSize, filter: .bicubic)
            out = try out.randomlyCropped(width: cropSize, height: cropSize, using: &generator)
        case let .scaleWidth(loadSize, cropSize):
            let height = max(4, Int((Double(loadSize) * Double(image.height) / Double(image.width)).rounded()))
            if let cropSize {
                out = try out.resized(width: loadSize, height: max(height, cropSize), filter: .bicubic)
                out = try out.randomlyCropped(width: cropSize, height: cropSize, using: &generator)
            } else {
                out = try out.resized(width: Self.multipleOf4(loadSize), height: Self.multipleOf4(height), filter: .bicubic)
            }
        case .none:
            let (w, h) = (Self.multipleOf4(image.width), Self.multipleOf4(image.height))
            if (w, h) != (image.width, image.height) { out = try out.resized(width: w, height: h, filter: .bicubic) }
        }
        if flip && generator.next() >> 63 == 1 { out = out.flippedHorizontally() }
        return out
    }

    /// `n` rounded to the nearest multiple of 4, at least 4.
    static func multipleOf4(_ n: Int) -> Int { max(4, Int((Double(n) / 4).rounded()) * 4) }
}

extension Image {
    /// The image's colour as a network input [1, 3, H, W] in [-1, 1]: gray is replicated to RGB, alpha dropped.
    public func rgbTensor() -> Tensor {
        let planes = converted(to: .rgb).colorPlanes()
        return Tensor(shape: planes.shape, scalars: planes.values)
    }
}
