import CKernels

// im2col / col2im: the patch matrix behind convolution.
// For one image [C, H, W], a k×k kernel, stride s, dilation d and zero padding p, the column matrix has
// C·kh·kw rows and oh·ow columns: col[(c·kh + i)·kw + j][y·ow + x] = image[c][y·s - p + i·d][x·s - p + j·d]
// (zero outside the image). col2im is its adjoint: it adds each column entry back into the image.

/// Geometry of a 2-D convolution window sweep over one image.
@usableFromInline
struct ConvGeometry: Sendable {
    @usableFromInline let channels, height, width, kernelHeight, kernelWidth, stride, padding, outHeight, outWidth: Int
    /// Spacing between kernel taps (1: a dense kernel).
    @usableFromInline let dilation: Int
    /// The geometry of one image's sweep; `dilation` spaces the kernel taps (PyTorch's `dilation`).
    init(channels: Int, height: Int, width: Int, kernelHeight: Int, kernelWidth: Int, stride: Int, padding: Int,
         dilation: Int = 1, outHeight: Int, outWidth: Int) {
        (self.channels, self.height, self.width, self.kernelHeight, self.kernelWidth) = (channels, height, width, kernelHeight, kernelWidth)
        (self.stride, self.padding, self.dilation, self.outHeight, self.outWidth) = (stride, padding, dilation, outHeight, outWidth)
    }

    @usableFromInline var columnRows: Int { channels * kernelHeight * kernelWidth }
    @usableFromInline var columnCount: Int { outHeight * outWidth }
    @usableFromInline var imageSize: Int { channels * height * width }

    /// The most floats one tile of the column matrix should hold (4 M floats, 16 MB); task-local so that
    /// tests can force several tiles on small inputs.
    @TaskLocal static var columnBudget = 4_194_304

    /// Output rows per tile so that one tile of the column matrix stays within `columnBudget`.
    var tileRows: Int { max(1, min(outHeight, Self.columnBudget / max(columnRows * outWidth, 1))) }

    /// The output-row ranges that tile the column matrix.
    var rowTiles: [Range<Int>] {
        Swift.stride(from: 0, to: outHeight, by: tileRows).map { $0..<min($0 + tileRows, outHeight) }
    }
}

extension Array where Element == Float {
    /// `count` floats left uninitialized, for a buffer that a kernel overwrites entirely before anything reads it
    /// (a column matrix, a beta-0 product): no zero-fill pass over memory that is about to be written anyway.
    init(uninitializedCount count: Int) { self.init(unsafeUninitializedCapacity: count) { _, n in n = count } }
}

/// Writes the columns of output rows `rows` (all of them by default) of `image`'s column matrix into
/// `columns`, packed as [columnRows, rows.count·outWidth]; parallel over channels. Strides 1 and 2 take the
/// AVX-512 kernel `gk_im2col_channel` where the CPU has it (`kernel: false` forces the Swift loop, for tests).
/// `rowStride` spaces the matrix's rows (default: packed), so that several images' columns can sit side by side;
/// `serial` keeps it on the calling thread (inside a parallel region over images).
func im2col(_ image: UnsafePointer<Float>, _ geometry: ConvGeometry, _ columns: UnsafeMutablePointer<Float>,
            rows: Range<Int>? = nil, rowStride: Int? = nil, serial: Bool = false, kernel: Bool = true) {
    let g = geometry
    let rows = rows ?? 0..<g.outHeight
    let tileColumns = rowStride ?? rows.count * g.outWidth
    let src = SharedConstPointer(image), dst = SharedPointer(columns)
    parallelFor(g.channels, work: serial ? 0 : g.columnRows * g.columnCount) { c in
        let plane = src.base + c * g.height * g.width
        if kernel, gk_im2col_channel(plane, g.height, g.width, g.kernelHeight, g.kernelWidth, g.stride, g.padding, g.dilation,
                                     g.outWidth, rows.lowerBound, rows.upperBound,
                                     dst.base + c * g.kernelHeight * g.kernelWidth * tileColumns, tileColumns) == 0 {
            return
        }
        for i in 0..<g.kernelHeight {
            for j in 0..<g.kernelWidth {
                let row = dst.base + ((c * g.kernelHeight + i) * g.kernelWidth + j) * tileColumns
                for y in rows {
                    let sy = y * g.stride - g.padding + i * g.dilation
                    let out = row + (y - rows.lowerBound) * g.outWidth
                    if sy < 0 || sy >= g.height {
                        for x in 0..<g.outWidth { out[x] = 0 }
                        continue
                    }
                    let line = plane + sy * g.width
                    // Output columns x whose source sx = x·s - p + j·d lies inside the row: [lo, hi).
                    let jd = j * g.dilation
                    let lo = min(g.outWidth, max(0, (g.padding - jd + g.stride - 1) / g.stride))
                    let last = g.width - 1 + g.padding - jd  // x·s <= last
                    let hi = last < 0 ? lo : max(lo, min(g.outWidth, last / g.stride + 1))
                    for x in 0..<lo { out[x] = 0 }
                    if g.stride == 1 {
                        (out + lo).update(from: line + (lo - g.padding + jd), count: hi - lo)
                    } else {
                        var sx = lo * g.stride - g.padding + jd
                        for x in lo..<hi { out[x] = line[sx]; sx += g.stride }
                    }
                    for x in hi..<g.outWidth { out[x] = 0 }
                }
            }
        }
    }
}

/// Adds the columns of output rows `rows` (packed as `im2col` writes them) back into `image`
/// (the adjoint of `im2col`); parallel over channels. Strides 1 and 2 take `gk_col2im_channel` where the CPU has
/// AVX-512 (`kernel: false` forces the Swift loop, for tests). `rowStride` and `serial` as for `im2col`.
func col2im(_ columns: UnsafePointer<Float>, _ geometry: ConvGeometry, _ image: UnsafeMutablePointer<Float>,
            rows: Range<Int>? = nil, rowStride: Int? = nil, serial: Bool = false, kernel: Bool = true) {
    let g = geometry
    let rows = rows ?? 0..<g.outHeight
    let tileColumns = rowStride ?? rows.count * g.outWidth
    let src = SharedConstPointer(columns), dst = SharedPointer(image)
    parallelFor(g.channels, work: serial ? 0 : g.columnRows * g.columnCount) { c in
        let plane = dst.base + c * g.height * g.width
        if kernel, gk_col2im_channel(src.base + c * g.kernelHeight * g.kernelWidth * tileColumns, g.height, g.width,
                                     g.kernelHeight, g.kernelWidth, g.stride, g.padding, g.dilation, g.outWidth,
                                     rows.lowerBound, rows.upperBound, plane, tileColumns) == 0 {
            return
        }
        for i in 0..<g.kernelHeight {
            for j in 0..<g.kernelWidth {
                let row = src.base + ((c * g.kernelHeight + i) * g.kernelWidth + j) * tileColumns
                for y in rows {
                    let sy = y * g.stride - g.padding + i * g.dilation
                    if sy < 0 || sy >= g.height { continue }
                    let line = plane + sy * g.width
                    let input = row + (y - rows.lowerBound) * g.outWidth
                    // Only the columns whose target lies inside the row, [lo, hi) as in im2col, without a test per column.
                    let jd = j * g.dilation
                    let lo = min(g.outWidth, max(0, (g.padding - jd + g.stride - 1) / g.stride))
                    let last = g.width - 1 + g.padding - jd
                    let hi = last < 0 ? lo : max(lo, min(g.outWidth, last / g.stride + 1))
                    if g.stride == 1 {
                        let target = line + (lo - g.padding + jd)
                        for x in 0..<(hi - lo) { target[x] += input[lo + x] }
                    } else {
                        var sx = lo * g.stride - g.padding + jd
                        for x in lo..<hi { line[sx] += input[x]; sx += g.stride }
                    }
                }
            }
        }
    }
}

/// The sum of `gradient` [N, C, H, W] over batch and space, per channel ([C]): a bias gradient.
func sumOverBatchAndSpace(_ gradient: Tensor) -> Tensor {
    let (n, c, h, w) = gradient.nchw("bias gradient")
    var out = [Float](repeating: 0, count: c)
    gradient.scalars.withUnsafeBufferPointer { g in
        out.withUnsafeMutableBufferPointer { o in
            let src = SharedConstPointer(g.baseAddress!), dst = SharedPointer(o.baseAddress!)
            parallelFor(c, work: gradient.count) { ch in
                var total = 0.0
                for b in 0..<n { total += vectorSum(src.base + (b * c + ch) * h * w, h * w) }
                dst.base[ch] = Float(total)
            }
        }
    }
    return Tensor(shape: [c], scalars: out)
}
