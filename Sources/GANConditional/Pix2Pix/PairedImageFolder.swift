import Foundation
import GANCore
import GANImageIO

/// Problems reading paired training data. Each case names the folder or file.
public enum PairedDataError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The folder has no PNG or JPEG image.
    case noImages(path: String)
    /// An A|B image whose width is odd or whose halves are not usable.
    case notSideBySide(path: String, width: Int, height: Int)
    /// An image could not be read or converted.
    case badImage(path: String, detail: String)
    /// A setting is out of range.
    case invalid(String)

    /// A one-line explanation naming the file.
    public var description: String {
        switch self {
        case let .noImages(path): "\(path): no PNG or JPEG images"
        case let .notSideBySide(path, width, height): "\(path): \(width)x\(height) is not two side-by-side halves (width must be even)"
        case let .badImage(path, detail): "\(path): \(detail)"
        case let .invalid(detail): detail
        }
    }
}

/// How an (input, target) pair is made from one stored image.
public enum PairBuilder {
    /// Splits a side-by-side image into its left half A and its right half B (pix2pix datasets store A|B).
    /// - Throws: `PairedDataError.notSideBySide` for an odd width or a width under 2.
    public static func splitSideBySide(_ image: Image, path: String = "<memory>") throws(PairedDataError) -> (a: Image, b: Image) {
        guard image.width >= 2, image.width % 2 == 0 else { throw .notSideBySide(path: path, width: image.width, height: image.height) }
        let half = image.width / 2
        do {
            return (try image.cropped(x: 0, y: 0, width: half, height: image.height),
                    try image.cropped(x: half, y: 0, width: half, height: image.height))
        } catch { throw .badImage(path: path, detail: "\(error)") }
    }

    /// (grayscale input, colour target): the BT.601 luma of `photo` as one gray channel, and the photo as RGB.
    public static func colorize(_ photo: Image) -> (input: Image, target: Image) {
        let rgb = photo.converted(to: .rgb)
        return (rgb.converted(to: .gray), rgb)
    }

    /// (edge map input, photo target): Canny edges of the photo's luminance (black on white, one channel), and the
    /// photo as RGB.
    /// - Throws: `PairedDataError.invalid` for bad Canny options.
    public static func edges(_ photo: Image, options: CannyOptions = CannyOptions()) throws(PairedDataError) -> (input: Image, target: Image) {
        let rgb = photo.converted(to: .rgb)
        do { return (try rgb.cannyEdges(options).image(), rgb) } catch { throw .invalid("\(error)") }
    }

    /// The input image of `task` for a photo (or for the A half of an A|B pair, returned as RGB).
    public static func input(for task: Pix2PixTask, from image: Image, canny: CannyOptions = CannyOptions()) throws(PairedDataError) -> Image {
        switch task {
        case .pairs: return image.converted(to: .rgb)
        case .colorize: return colorize(image).input
        case .edges: return try edges(image, options: canny).input
        }
    }
}

/// Training pairs from a folder of images: side-by-side A|B files (`.pairs`), or any photos from which the input is
/// made (`.colorize`: gray → colour; `.edges`: edge map → photo). Every pair is made square (a centred crop for photos,
/// each half resized for A|B), resized to the load size, then cropped to `size` and flipped as `random` says, the same
/// way for input and target. Files are read when asked for, so the folder can hold any number of them.
public struct PairedImageFolder: Sendable {
    /// The images, sorted by path.
    public let files: [String]
    /// How pairs are built.
    public let task: Pix2PixTask
    /// For `.pairs`: translate B → A instead of A → B.
    public var reversed = false
    /// Canny settings for `.edges`.
    public var canny = CannyOptions()

    /// Lists the PNG and JPEG files in `directory` (recursively when `recursive`).
    /// - Throws: `PairedDataError.noImages` when there are none.
    public init(directory: String, task: Pix2PixTask, recursive: Bool = false) throws(PairedDataError) {
        let files = ImageFiles.list(in: directory, recursive: recursive)
        guard !files.isEmpty else { throw .noImages(path: directory) }
        self.init(files: files, task: task)
    }

    /// A folder over an explicit file list.
    public init(files: [String], task: Pix2PixTask) {
        (self.files, self.task) = (files, task)
    }

    /// The number of images (pairs).
    public var count: Int { files.count }

    /// The pair of file `index` as images (input, target), before any resizing.
    /// - Throws: `PairedDataError` naming the file.
    public func images(at index: Int) throws(PairedDataError) -> (input: Image, target: Image) {
        let path = files[index]
        let image: Image
        do { image = try Image(contentsOf: path) } catch { throw .badImage(path: path, detail: "\(error)") }
        switch task {
        case .pairs:
            let (a, b) = try PairBuilder.splitSideBySide(image, path: path)
            return reversed ? (b.converted(to: .rgb), a.converted(to: .rgb)) : (a.converted(to: .rgb), b.converted(to: .rgb))
        case .colorize: return PairBuilder.colorize(image)
        case .edges: return try PairBuilder.edges(image, options: canny)
        }
    }

    /// The pair of file `index` as tensors [1, C, size, size] in [-1, 1]. With `jitter`, the square is resized to
    /// `size · 286/256` and cropped at a random place, and flipped with probability ½ (pix2pix's augmentation), from
    /// `random`; without it, resized to `size`. Edge maps are computed after resizing, so lines stay one pixel thin.
    /// - Throws: `PairedDataError` naming the file.
    public func pair(at index: Int, size: Int, jitter: Bool, random: inout SeededGenerator) throws(PairedDataError) -> (input: Tensor, target: Tensor) {
        let path = files[index]
        let load = jitter ? (size * 286 + 255) / 256 : size
        let cropX = jitter ? Int(random.next() % UInt64(load - size + 1)) : 0
        let cropY = jitter ? Int(random.next() % UInt64(load - size + 1)) : 0
        let flip = jitter && random.next() % 2 == 1
        func square(_ image: Image) throws -> Image {
            let side = min(image.width, image.height)
            return try image.centerCropped(width: side, height: side).resized(width: load, height: load)
        }
        func finish(_ image: Image) throws -> Tensor {
            var out = try image.cropped(x: cropX, y: cropY, width: size, height: size)
            if flip { out = out.flippedHorizontally() }
            let planes = out.colorPlanes()
            return Tensor(shape: planes.shape, scalars: planes.values)
        }
        let image: Image
        do { image = try Image(contentsOf: path) } catch { throw .badImage(path: path, detail: "\(error)") }
        do {
            switch task {
            case .pairs:
                let (a, b) = try PairBuilder.splitSideBySide(image, path: path)
                let (x, y) = reversed ? (b, a) : (a, b)
                // Each half is resized to the square load size whatever its aspect, as pix2pix does.
                return (try finish(x.converted(to: .rgb).resized(width: load, height: load)),
                        try finish(y.converted(to: .rgb).resized(width: load, height: load)))
            case .colorize:
                let (gray, color) = PairBuilder.colorize(try square(image))
                return (try finish(gray), try finish(color))
            case .edges:
                let (edges, color) = try PairBuilder.edges(try square(image), options: canny)
                return (try finish(edges), try finish(color))
            }
        } catch let error as PairedDataError { throw error } catch { throw .badImage(path: path, detail: "\(error)") }
    }

    /// A batch of pairs [n, C, size, size], stacked.
    /// - Throws: `PairedDataError` naming the first file at fault.
    public func batch(at indices: [Int], size: Int, jitter: Bool, random: inout SeededGenerator) throws(PairedDataError) -> (input: Tensor, target: Tensor) {
        var inputs: [Float] = [], targets: [Float] = []
        var inShape: [Int] = [], outShape: [Int] = []
        for index in indices {
            let (x, y) = try pair(at: index, size: size, jitter: jitter, random: &random)
            inputs += x.scalars; targets += y.scalars
            (inShape, outShape) = (x.shape, y.shape)
        }
        return (Tensor(shape: [indices.count] + inShape.dropFirst(), scalars: inputs),
                Tensor(shape: [indices.count] + outShape.dropFirst(), scalars: targets))
    }
}
