import Foundation
import GANCore
import GANImageIO

/// Errors from reading a folder-per-class image dataset; each names the path.
public enum ImageFolderError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The folder does not exist or holds no class subfolders.
    case noClasses(path: String)
    /// A class subfolder holds no PNG or JPEG images.
    case emptyClass(path: String)
    /// An image could not be decoded or resized.
    case badImage(path: String, detail: String)
    /// The settings are unusable.
    case invalid(String)

    /// A one-line explanation naming the path.
    public var description: String {
        switch self {
        case let .noClasses(path): "\(path): no class subfolders (expected one subfolder of images per class)"
        case let .emptyClass(path): "\(path): no .png/.jpg/.jpeg images in this class folder"
        case let .badImage(path, detail): "\(path): \(detail)"
        case let .invalid(detail): detail
        }
    }
}

/// Labelled images from a folder holding one subfolder per class (`DIR/cat/*.jpg`, `DIR/dog/*.png`):
/// classes are the subfolder names in sorted order; every image is centre-cropped to a square,
/// resized to `size`×`size`, converted to grey (1 channel) or RGB (3) and kept as floats in [-1, 1].
public struct ImageFolderDataset: LabeledImageDataset {
    /// The class names (subfolder names), index = label.
    public let classNames: [String]
    /// The label of each image.
    public let labels: [Int]
    /// Channels per image.
    public let channels: Int
    /// Side of the stored square images.
    public let size: Int
    /// All images, [count, channels, size, size] row-major.
    private let values: [Float]

    /// The number of images.
    public var count: Int { labels.count }
    /// The number of classes.
    public var classCount: Int { classNames.count }

    /// Reads every PNG/JPEG image below each class subfolder of `directory` (not recursive).
    /// - Throws: `ImageFolderError` naming the folder or file at fault.
    public init(directory: String, size: Int, channels: Int = 1) throws(ImageFolderError) {
        guard size > 0, channels == 1 || channels == 3 else { throw .invalid("size must be positive and channels 1 or 3") }
        let files = FileManager.default
        func isFolder(_ path: String) -> Bool {
            var folder: ObjCBool = false
            return files.fileExists(atPath: path, isDirectory: &folder) && folder.boolValue
        }
        let names = ((try? files.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { !$0.hasPrefix(".") && isFolder("\(directory)/\($0)") }.sorted()
        guard !names.isEmpty else { throw .noClasses(path: directory) }
        var labels: [Int] = [], values: [Float] = []
        for (label, name) in names.enumerated() {
            let folder = "\(directory)/\(name)"
            let images = ImageFiles.list(in: folder)
            guard !images.isEmpty else { throw .emptyClass(path: folder) }
            for path in images {
                do {
                    var image = try Image(contentsOf: path)
                    image = image.converted(to: channels == 1 ? .gray : .rgb)
                    let side = min(image.width, image.height)
                    image = try image.centerCropped(width: side, height: side).resized(width: size, height: size)
                    values += image.colorPlanes().values
                } catch { throw .badImage(path: path, detail: "\(error)") }
                labels.append(label)
            }
        }
        (self.classNames, self.labels, self.channels, self.size, self.values) = (names, labels, channels, size, values)
    }

    /// The images at `indices`; `size` must be `nil` or the stored size.
    public func images(at indices: [Int], size: Int? = nil) -> Tensor {
        precondition(size == nil || size == self.size, "ImageFolderDataset: images are stored at \(self.size), asked for \(size ?? 0)")
        let plane = channels * self.size * self.size
        var out = [Float]()
        out.reserveCapacity(indices.count * plane)
        for index in indices { out += values[index * plane..<(index + 1) * plane] }
        return Tensor(shape: [indices.count, channels, self.size, self.size], scalars: out)
    }
}
