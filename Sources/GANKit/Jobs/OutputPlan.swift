import Foundation

/// Where a batch writes: one file (`-o out.png` with a single input) or a folder that mirrors
/// the inputs' relative paths (`-o out/`).
public enum OutputPlan: Sendable, Equatable {
    /// A single output file.
    case file(String)
    /// A folder; outputs keep their inputs' relative paths.
    case folder(String)

    /// Image file extensions GANKit reads or not but cannot write: an output named so is an error, not a folder.
    public static let unwritableImageExtensions: Set<String> = ["gif", "bmp", "tif", "tiff", "webp", "heic", "heif",
                                                                "avif", "jxl", "jp2", "ico", "tga", "ppm", "pgm", "exr"]

    /// Decides from the `-o` argument and the number of inputs: an existing folder, a path
    /// ending in "/" or several inputs mean a folder; a single input and a name with an image
    /// extension mean that file. Several inputs with a file name are an error, and so is a name
    /// with an image extension GANKit cannot write (`-o r.gif`).
    public init(_ argument: String, inputCount: Int) throws(GANKitError) {
        var isFolder: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: argument, isDirectory: &isFolder)
        let pathExtension = PathName(argument).pathExtension
        let namesImage = ImageFormat(fileExtension: pathExtension) != nil
        if !(exists && isFolder.boolValue) && !argument.hasSuffix("/")
            && Self.unwritableImageExtensions.contains(pathExtension.lowercased()) {
            throw .invalidArgument("-o \(argument): GANKit cannot write .\(pathExtension) images; "
                + "name a .png or .jpg file, or a folder (end it with /)")
        }
        if exists && isFolder.boolValue || argument.hasSuffix("/") || !namesImage {
            self = .folder(argument.hasSuffix("/") && argument.count > 1 ? String(argument.dropLast()) : argument)
        } else if inputCount <= 1 {
            self = .file(argument)
        } else {
            throw .invalidArgument("-o \(argument) names one file but there are \(inputCount) inputs; give a folder")
        }
    }

    /// The output path for `input`, with its extension replaced by `format`'s when given.
    public func path(for input: BatchInput, format: ImageFormat?) -> String {
        switch self {
        case let .file(path): return path
        case let .folder(folder):
            var relative = input.relativePath
            if let format {
                relative = PathName(relative).deletingExtension + "." + format.fileExtension
            }
            return folder + "/" + relative
        }
    }

    /// Creates the folders an output at `path` needs.
    /// - Throws: `GANKitError.cannotWrite` naming the folder that could not be made and the system's reason.
    public static func prepareFolder(for path: String) throws(GANKitError) {
        let folder = PathName(path).parent
        guard !folder.isEmpty else { return }
        do { try FileAccess.makeFolders(folder) } catch {
            guard case let .cannotWrite(failed, reason) = error else { throw .cannotWrite(path: folder, reason: "\(error)") }
            throw .cannotWrite(path: failed, reason: reason)
        }
    }
}
