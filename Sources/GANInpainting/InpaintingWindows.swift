import Foundation
import GANCore
import GANImageIO

/// One region of an image that the inpainting network runs on: a rectangle around one hole, or around several
/// nearby holes, with context around it.
public struct InpaintingWindow: Sendable, Equatable, Codable {
    /// Left edge in image pixels.
    public var x: Int
    /// Top edge in image pixels.
    public var y: Int
    /// Width in image pixels.
    public var width: Int
    /// Height in image pixels.
    public var height: Int
    /// Network pixels per image pixel: 1 at the image's scale, below 1 when the window was larger than the cap and is
    /// shrunk before the network sees it.
    public var scale: Double
    /// Hole pixels inside the window (every one of them is filled from this window and no other).
    public var holePixels: Int

    /// A window.
    public init(x: Int, y: Int, width: Int, height: Int, scale: Double, holePixels: Int) {
        (self.x, self.y, self.width, self.height, self.scale, self.holePixels) = (x, y, width, height, scale, holePixels)
    }

    /// The network's input width (the window's width times `scale`, at least 1).
    public var networkWidth: Int { scale == 1 ? width : max(1, Int((Double(width) * scale).rounded())) }
    /// The network's input height.
    public var networkHeight: Int { scale == 1 ? height : max(1, Int((Double(height) * scale).rounded())) }
}

/// How an image with holes is cut into network windows (``InpaintingModel/inpaintWindowed(_:mask:plan:)``).
///
/// Every 8-connected hole region's bounding box is grown on each side by a context margin of
/// `max(minimumMargin, contextFraction × the box's longer side)` and clipped to the image; grown boxes that overlap
/// are replaced by their union until none overlaps. The windows are therefore disjoint, and each holds whole hole
/// regions only: every hole pixel is filled by exactly one window. A window whose longer side exceeds `cap` is
/// shrunk (area averaging) so that it equals `cap` before the network sees it, and the network's fill is scaled back
/// up (bilinear) and used inside the hole only.
public struct InpaintingWindowPlan: Sendable, Equatable, Codable {
    /// The longest side, in network pixels, of a window the network runs on (default 512).
    public var cap: Int
    /// The smallest context margin around a hole's box, in image pixels (default 64).
    public var minimumMargin: Int
    /// The context margin as a fraction of the hole box's longer side (default 0.5).
    public var contextFraction: Double

    /// A plan; `cap` must be at least 16.
    public init(cap: Int = 512, minimumMargin: Int = 64, contextFraction: Double = 0.5) {
        (self.cap, self.minimumMargin, self.contextFraction) = (max(16, cap), max(0, minimumMargin), max(0, contextFraction))
    }

    /// The windows for `mask`, sorted top to bottom, left to right; none when the mask has no hole.
    public func windows(for mask: Mask) -> [InpaintingWindow] {
        let (w, h) = (mask.width, mask.height)
        var seen = [Bool](repeating: false, count: w * h)
        var boxes: [(x0: Int, y0: Int, x1: Int, y1: Int)] = []
        var stack: [Int] = []
        for start in 0..<(w * h) where mask.isHole[start] && !seen[start] {
            seen[start] = true
            stack.append(start)
            var box = (x0: start % w, y0: start / w, x1: start % w + 1, y1: start / w + 1)
            while let p = stack.popLast() {
                let (px, py) = (p % w, p / w)
                box = (min(box.x0, px), min(box.y0, py), max(box.x1, px + 1), max(box.y1, py + 1))
                for dy in -1...1 {
                    for dx in -1...1 {
                        let (qx, qy) = (px + dx, py + dy)
                        guard qx >= 0, qy >= 0, qx < w, qy < h else { continue }
                        let q = qy * w + qx
                        if mask.isHole[q] && !seen[q] { seen[q] = true; stack.append(q) }
                    }
                }
            }
            let margin = max(minimumMargin, Int((contextFraction * Double(max(box.x1 - box.x0, box.y1 - box.y0))).rounded(.up)))
            boxes.append((max(0, box.x0 - margin), max(0, box.y0 - margin), min(w, box.x1 + margin), min(h, box.y1 + margin)))
        }
        // Merge overlapping boxes until none overlaps.
        var merged = true
        while merged {
            merged = false
            outer: for i in boxes.indices {
                for j in boxes.indices where j > i {
                    let (a, b) = (boxes[i], boxes[j])
                    if a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1 {
                        boxes[i] = (min(a.x0, b.x0), min(a.y0, b.y0), max(a.x1, b.x1), max(a.y1, b.y1))
                        boxes.remove(at: j)
                        merged = true
                        break outer
                    }
                }
            }
        }
        return boxes.sorted { ($0.y0, $0.x0) < ($1.y0, $1.x0) }.map { b in
            var holes = 0
            for y in b.y0..<b.y1 { for x in b.x0..<b.x1 where mask.isHole[y * w + x] { holes += 1 } }
            let side = max(b.x1 - b.x0, b.y1 - b.y0)
            return InpaintingWindow(x: b.x0, y: b.y0, width: b.x1 - b.x0, height: b.y1 - b.y0,
                                    scale: side > cap ? Double(cap) / Double(side) : 1, holePixels: holes)
        }
    }
}

extension InpaintingModel {
    /// Fills the holes of `image` window by window (see ``InpaintingWindowPlan``) and returns the result with the
    /// windows used. The result has the input's size, layout and bit depth; every sample outside the hole, and the
    /// alpha channel everywhere, is copied from the input unchanged. Gray images are run as RGB and their fill
    /// converted back to gray (BT.601 luma). An empty mask returns the image and no window.
    /// - Throws: `InpaintingError.maskSizeMismatch`, `.maskCoversEverything`.
    public func inpaintWindowed(_ image: Image, mask: Mask, plan: InpaintingWindowPlan = InpaintingWindowPlan())
        throws(InpaintingError) -> (image: Image, windows: [InpaintingWindow]) {
        guard mask.width == image.width && mask.height == image.height else {
            throw .maskSizeMismatch(maskWidth: mask.width, maskHeight: mask.height, imageWidth: image.width, imageHeight: image.height)
        }
        let holes = mask.holeCount
        if holes == 0 { return (image, []) }
        if holes == mask.isHole.count { throw .maskCoversEverything(width: image.width, height: image.height) }
        let windows = plan.windows(for: mask)
        var out = image
        let colors = image.layout.colorChannelCount
        do {
            for window in windows {
                let crop = try image.cropped(x: window.x, y: window.y, width: window.width, height: window.height).converted(to: .rgb)
                let cropMask = (0..<(window.width * window.height)).map { p in
                    mask.isHole[(window.y + p / window.width) * image.width + window.x + p % window.width]
                }
                let (nw, nh) = (window.networkWidth, window.networkHeight)
                let input = window.scale == 1 ? crop : try crop.resized(width: nw, height: nh)
                let netMask = window.scale == 1 ? cropMask : Self.shrink(cropMask, width: window.width, height: window.height, to: nw, nh)
                let planes = input.colorPlanes()
                let filled = try inpaint(image: Tensor(shape: planes.shape, scalars: planes.values),
                                         mask: Tensor(shape: [1, 1, nh, nw], scalars: netMask.map { $0 ? 1 : 0 }))
                var result = try Image(planes: FloatPlanes(channels: 3, height: nh, width: nw, values: filled.scalars),
                                       sampleType: window.scale == 1 ? image.sampleType : .uint16)
                if window.scale != 1 { result = try result.resized(width: window.width, height: window.height).converted(to: image.sampleType) }
                if colors == 1 { result = result.converted(to: .gray) }
                for p in 0..<cropMask.count where cropMask[p] {
                    let (x, y) = (window.x + p % window.width, window.y + p / window.width)
                    for c in 0..<colors { out[x: x, y: y, channel: c] = result[x: p % window.width, y: p / window.width, channel: c] }
                }
            }
        } catch let error as InpaintingError {
            throw error
        } catch {
            throw .invalidArgument("inpainting a \(image.width)x\(image.height) image failed: \(error)")
        }
        return (out, windows)
    }

    /// The mask at network size: a network pixel is a hole when it overlaps any hole pixel of the image (so no
    /// colour of a hole pixel reaches a network pixel taken as known).
    static func shrink(_ mask: [Bool], width: Int, height: Int, to nw: Int, _ nh: Int) -> [Bool] {
        var out = [Bool](repeating: false, count: nw * nh)
        func span(_ i: Int, _ n: Int, _ size: Int) -> ClosedRange<Int> {
            let first = i * n / size, last = ((i + 1) * n + size - 1) / size - 1
            return min(first, n - 1)...min(max(first, last), n - 1)
        }
        for y in 0..<height {
            let rows = span(y, nh, height)
            for x in 0..<width where mask[y * width + x] {
                for ny in rows { for nx in span(x, nw, width) { out[ny * nw + nx] = true } }
            }
        }
        return out
    }
}
