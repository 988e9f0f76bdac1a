import Foundation
import GANCore
import GANImageIO

/// Training photos for the inpainting GAN: every PNG and JPEG of a folder, read when asked for. Crops are taken at
/// the photos' native scale (a photo whose shorter side is below the crop size is first scaled up to it), so a model
/// trained on 178×218 aligned faces runs on faces of that size without resizing.
public struct InpaintingImageFolder: Sendable {
    /// The images, sorted by path.
    public let files: [String]

    /// Lists the PNG and JPEG files in `directory` (recursively when `recursive`), skipping hidden files.
    /// - Throws: `InpaintingDataError.noImages` when there are none.
    public init(directory: String, recursive: Bool = false) throws(InpaintingDataError) {
        let files = ImageFiles.list(in: directory, recursive: recursive)
        guard !files.isEmpty else { throw .noImages(path: directory) }
        self.files = files
    }

    /// A folder over an explicit file list.
    public init(files: [String]) { self.files = files }

    /// The number of images.
    public var count: Int { files.count }

    /// A `size`×`size` RGB crop of image `index` as [1, 3, size, size] in [-1, 1]: at a place drawn from `random` and
    /// flipped with probability ½ (when `flips`) when `random` is given, else centred and unflipped.
    /// - Throws: `InpaintingDataError.badImage` naming the file.
    public func crop(at index: Int, size: Int, random: inout SeededGenerator?, flips: Bool = true) throws(InpaintingDataError) -> Tensor {
        let path = files[index]
        do {
            var image = try Image(contentsOf: path).converted(to: .rgb)
            let shorter = min(image.width, image.height)
            if shorter < size {
                let scale = Double(size) / Double(shorter)
                image = try image.resized(width: max(size, Int((Double(image.width) * scale).rounded(.up))),
                                          height: max(size, Int((Double(image.height) * scale).rounded(.up))))
            }
            var x = (image.width - size) / 2, y = (image.height - size) / 2, flip = false
            if random != nil {
                x = Int(random!.next() % UInt64(image.width - size + 1))
                y = Int(random!.next() % UInt64(image.height - size + 1))
                flip = flips && random!.next() % 2 == 1
            }
            var out = try image.cropped(x: x, y: y, width: size, height: size)
            if flip { out = out.flippedHorizontally() }
            let planes = out.colorPlanes()
            return Tensor(shape: planes.shape, scalars: planes.values)
        } catch { throw .badImage(path: path, detail: "\(error)") }
    }
}

extension Mask {
    /// The mask as a tensor [1, 1, height, width]: 1 in the hole, 0 elsewhere.
    public var tensor: Tensor {
        Tensor(shape: [1, 1, height, width], scalars: isHole.map { $0 ? 1 : 0 })
    }
}
