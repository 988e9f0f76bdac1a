import Foundation

/// Tile and padding arithmetic for image-to-image inference on images of any size, shared by the model
/// families (GANTranslation's `Translator`, GANConditional's pix2pix): tiles that overlap, blend weights that
/// ramp across each overlap, crops and reflection padding of [1, C, H, W] tensors.
public enum TileGeometry {
    /// Tile origins along one axis: 0, stride, 2·stride, …, and `length - tile` last.
    public static func starts(length: Int, tile: Int, overlap: Int) -> [Int] {
        if length <= tile { return [0] }
        var starts: [Int] = [], s = 0
        while s + tile < length { starts.append(s); s += tile - overlap }
        starts.append(length - tile)
        return starts
    }

    /// Blend weights of a tile along one axis: ramps over the overlap where a neighbour precedes or follows.
    public static func ramp(start: Int, size: Int, length: Int, overlap: Int) -> [Float] {
        let o = Float(overlap + 1)
        return (0..<size).map { i in
            var weight: Float = 1
            if start > 0 { weight = min(weight, Float(i + 1) / o) }
            if start + size < length { weight = min(weight, Float(size - i) / o) }
            return weight
        }
    }

    /// The region [y, y+height) × [x, x+width) of every channel of [1, C, H, W].
    public static func crop(_ t: Tensor, y: Int, x: Int, height: Int, width: Int) -> Tensor {
        let (c, h, w) = (t.shape[1], t.shape[2], t.shape[3])
        var out = [Float](repeating: 0, count: c * height * width)
        for k in 0..<c { for r in 0..<height {
            let src = (k * h + y + r) * w + x, dst = (k * height + r) * width
            for i in 0..<width { out[dst + i] = t.scalars[src + i] }
        } }
        return Tensor(shape: [1, c, height, width], scalars: out)
    }

    /// `t` at (top, left) in a height × width canvas filled by mirror reflection (as ReflectionPad2d, folding again
    /// when the padding exceeds the image).
    public static func reflectPad(_ t: Tensor, top: Int, left: Int, height: Int, width: Int) -> Tensor {
        let (c, h, w) = (t.shape[1], t.shape[2], t.shape[3])
        func mirror(_ i: Int, _ n: Int) -> Int {
            if n == 1 { return 0 }
            let period = 2 * (n - 1)
            var m = i % period
            if m < 0 { m += period }
            return m < n ? m : period - m
        }
        let rows = (0..<height).map { mirror($0 - top, h) }, cols = (0..<width).map { mirror($0 - left, w) }
        var out = [Float](repeating: 0, count: c * height * width)
        for k in 0..<c { for r in 0..<height {
            let src = (k * h + rows[r]) * w, dst = (k * height + r) * width
            for i in 0..<width { out[dst + i] = t.scalars[src + cols[i]] }
        } }
        return Tensor(shape: [1, c, height, width], scalars: out)
    }
}
