// Reflection and replication padding of the two spatial axes (PyTorch ReflectionPad2d / ReplicationPad2d).
// out[n,c,y,x] = in[n,c, source(y - top), source(x - left)], where source reflects about the edge
// (-1 -> 1) or clamps to it (-1 -> 0). Backward adds each output gradient into its source pixel.

/// Amounts of padding on each side of the spatial axes.
public struct Padding2D: Sendable, Equatable {
    /// Columns added on the left.
    public var left: Int
    /// Columns added on the right.
    public var right: Int
    /// Rows added on top.
    public var top: Int
    /// Rows added at the bottom.
    public var bottom: Int

    /// Padding with separate amounts per side (PyTorch's order: left, right, top, bottom).
    public init(left: Int, right: Int, top: Int, bottom: Int) {
        (self.left, self.right, self.top, self.bottom) = (left, right, top, bottom)
    }

    /// The same padding on all four sides.
    public init(_ all: Int) { self.init(left: all, right: all, top: all, bottom: all) }
}

/// How `pad` fills the border.
public enum PaddingMode: Sendable {
    /// Mirror the image without repeating the edge pixel (PyTorch "reflect").
    case reflect
    /// Repeat the edge pixel (PyTorch "replicate").
    case replicate
    /// Zeros (PyTorch ZeroPad2d, a convolution's `padding`).
    case zero
}

/// The index along an axis of `size` pixels that padded position `i` (negative or past the end in the border)
/// copies: reflected about the edge, clamped to it, or -1 (no source: zero).
@inline(__always)
func paddingSource(_ i: Int, size: Int, mode: PaddingMode) -> Int {
    switch mode {
    case .reflect: i < 0 ? -i : (i >= size ? 2 * (size - 1) - i : i)
    case .replicate: min(max(i, 0), size - 1)
    case .zero: i < 0 || i >= size ? -1 : i
    }
}

/// Rows [firstRow, firstRow + rows) of one plane [h, w] padded by `p` on every side with `mode`, each `w + 2p` wide,
/// into `out`: row r copies plane row `paddingSource(firstRow + r - p)` (zeros where there is none). The strips that
/// convolutions read in place of a padded copy of the whole image.
func copyPaddedRows(_ plane: UnsafePointer<Float>, height h: Int, width w: Int, padding p: Int, mode: PaddingMode,
                    firstRow: Int, rows: Int, into out: UnsafeMutablePointer<Float>) {
    let stripWidth = w + 2 * p
    for r in 0..<rows {
        let line = out + r * stripWidth, source = paddingSource(firstRow + r - p, size: h, mode: mode)
        guard source >= 0 else { line.update(repeating: 0, count: stripWidth); continue }
        let row = plane + source * w
        for x in 0..<p {
            let left = paddingSource(x - p, size: w, mode: mode), right = paddingSource(w + x, size: w, mode: mode)
            line[x] = left < 0 ? 0 : row[left]
            line[p + w + x] = right < 0 ? 0 : row[right]
        }
        (line + p).update(from: row, count: w)
    }
}

/// Pads the spatial axes of an NCHW tensor by reflection, replication or zeros.
public func pad(_ input: Variable, _ padding: Padding2D, mode: PaddingMode) -> Variable {
    let op = switch mode {
    case .reflect: "reflectionPad2d"
    case .replicate: "replicationPad2d"
    case .zero: "zeroPad2d"
    }
    let (n, c, h, w) = input.value.nchw(op)
    if mode == .reflect {
        precondition(padding.left < w && padding.right < w && padding.top < h && padding.bottom < h,
                     "\(op): padding \(padding) must be smaller than the input size, input shape \(input.shape)")
    }
    let oh = h + padding.top + padding.bottom, ow = w + padding.left + padding.right
    let rows = (0..<oh).map { paddingSource($0 - padding.top, size: h, mode: mode) }
    let cols = (0..<ow).map { paddingSource($0 - padding.left, size: w, mode: mode) }
    let x = input.value
    var out = [Float](unsafeUninitializedCapacity: n * c * oh * ow) { _, count in count = n * c * oh * ow }
    x.scalars.withUnsafeBufferPointer { xb in
        out.withUnsafeMutableBufferPointer { ob in
            let xp = SharedConstPointer(xb.baseAddress!), op = SharedPointer(ob.baseAddress!)
            parallelFor(n * c, work: n * c * oh * ow) { plane in
                let src = plane * h * w, dst = plane * oh * ow
                for y in 0..<oh {
                    let out = op.base + dst + y * ow
                    guard rows[y] >= 0 else { out.update(repeating: 0, count: ow); continue }
                    let line = xp.base + src + rows[y] * w
                    for xx in 0..<padding.left { out[xx] = cols[xx] < 0 ? 0 : line[cols[xx]] }
                    (out + padding.left).update(from: line, count: w)  // the interior is a straight copy
                    for xx in (padding.left + w)..<ow { out[xx] = cols[xx] < 0 ? 0 : line[cols[xx]] }
                }
            }
        }
    }
    return Variable(Tensor(shape: [n, c, oh, ow], scalars: out), op: op, parents: [input]) { g in
        var dx = [Float](repeating: 0, count: n * c * h * w)
        g.scalars.withUnsafeBufferPointer { gb in
            dx.withUnsafeMutableBufferPointer { db in
                let gp = SharedConstPointer(gb.baseAddress!), dp = SharedPointer(db.baseAddress!)
                parallelFor(n * c, work: g.count) { plane in
                    let src = plane * h * w, dst = plane * oh * ow
                    for y in 0..<oh where rows[y] >= 0 {
                        let line = dp.base + src + rows[y] * w, grad = gp.base + dst + y * ow
                        for xx in 0..<padding.left where cols[xx] >= 0 { line[cols[xx]] += grad[xx] }
                        for xx in 0..<w { line[xx] += grad[padding.left + xx] }
                        for xx in (padding.left + w)..<ow where cols[xx] >= 0 { line[cols[xx]] += grad[xx] }
                    }
                }
            }
        }
        return [Tensor(shape: [n, c, h, w], scalars: dx)]
    }
}

/// Reflection padding (PyTorch ReflectionPad2d).
public func reflectionPad2d(_ input: Variable, _ amount: Int) -> Variable { pad(input, Padding2D(amount), mode: .reflect) }

/// Replication padding (PyTorch ReplicationPad2d).
public func replicationPad2d(_ input: Variable, _ amount: Int) -> Variable { pad(input, Padding2D(amount), mode: .replicate) }
