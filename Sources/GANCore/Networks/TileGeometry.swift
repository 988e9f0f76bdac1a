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

extension TileGeometry {
    /// `run` over [1, C, H, W] of any size: in one piece when both sides fit `tile`, else over `tile`² tiles overlapping
    /// by at least `overlap` pixels, blended by the linear ramps of `ramp` (weights summing to one everywhere), so
    /// tile seams do not show. `run` maps a tile to an output of the same height and width.
    public static func tiled(_ input: Tensor, tile: Int, overlap: Int, run: (Tensor) -> Tensor) -> Tensor {
        let (h, w) = (input.shape[2], input.shape[3])
        if h <= tile && w <= tile { return run(input) }
        var sum: [Float] = [], weightSum = [Float](repeating: 0, count: h * w), channels = 0
        for y0 in starts(length: h, tile: tile, overlap: overlap) {
            let th = min(tile, h), wy = ramp(start: y0, size: th, length: h, overlap: overlap)
            for x0 in starts(length: w, tile: tile, overlap: overlap) {
                let tw = min(tile, w), wx = ramp(start: x0, size: tw, length: w, overlap: overlap)
                let out = run(crop(input, y: y0, x: x0, height: th, width: tw))
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

    /// `run` over [N, C, H, W] reflect-padded (centred) to multiples of `multiple`, its output cropped back to H x W.
    public static func padded(_ x: Tensor, toMultipleOf multiple: Int, run: (Tensor) -> Tensor) -> Tensor {
        let (h, w) = (x.shape[2], x.shape[3])
        let ph = (multiple - h % multiple) % multiple, pw = (multiple - w % multiple) % multiple
        if ph == 0 && pw == 0 { return run(x) }
        let top = ph / 2, left = pw / 2
        let out = run(reflectPad(x, top: top, left: left, height: h + ph, width: w + pw))
        return crop(out, y: top, x: left, height: h, width: w)
    }
}
