import Foundation

/// Finding image files in folders: the one listing that trainers, evaluations and batches share.
public enum ImageFiles {
    /// File extensions (lower case) of the formats GANKit decodes by name: PNG and JPEG.
    public static let extensions: Set<String> = ["png", "jpg", "jpeg", "jpe", "jfif"]

    /// Whether `name` (a file name or path) is a visible file with an image extension, in any case.
    public static func isImageName(_ name: String) -> Bool {
        let file = PathName(name).lastComponent
        return !file.hasPrefix(".") && extensions.contains(PathName(file).pathExtension.lowercased())
    }

    /// The image files directly inside `folder` (and below it when `recursive`), hidden files passed over, as
    /// `folder/name` paths sorted by name; empty when the folder cannot be read.
    public static func list(in folder: String, recursive: Bool = false) -> [String] {
        let manager = FileManager.default
        var names: [String] = []
        if recursive, let walker = manager.enumerator(atPath: folder) {
            while let name = walker.nextObject() as? String { names.append(name) }
        } else {
            names = (try? manager.contentsOfDirectory(atPath: folder)) ?? []
        }
        return names.filter(isImageName).sorted().map { "\(folder)/\($0)" }
    }
}
