import Foundation
import GANImageIO

/// One file a batch will process: its path, and its name relative to the folder it was found
/// in (so that outputs can mirror the input tree).
public struct BatchInput: Sendable, Equatable, Hashable {
    /// The path as given or found.
    public let path: String
    /// The path below the folder argument it came from; the file name for a file argument.
    public let relativePath: String

    /// An input at `path`, named `relativePath` in the output tree.
    public init(path: String, relativePath: String) {
        self.path = path
        self.relativePath = relativePath
    }
}

/// Turns command-line arguments (files, folders, glob patterns) into the sorted list of files
/// a batch processes. Problems (a missing path, a pattern matching nothing) are returned beside
/// the inputs so that the batch can report them and go on.
public enum BatchInputs {
    /// File extensions a folder is searched for.
    public static var imageExtensions: Set<String> { ImageFiles.extensions }

    /// Expands `arguments`: a file is taken as it is (its content decides its format); a folder
    /// gives its image files (and those of its subfolders with `recursive`); a pattern with
    /// `*`, `?` or `[` that names no file is expanded like the shell would. Hidden files and
    /// temporary files of interrupted writes are passed over. A folder with no image (a wrong path, a missing `-r`)
    /// is a problem, like a file that does not exist.
    public static func expand(_ arguments: [String], recursive: Bool) -> (inputs: [BatchInput], problems: [String]) {
        var inputs: [BatchInput] = [], problems: [String] = []
        let files = FileManager.default
        for argument in arguments {
            var isFolder: ObjCBool = false
            if files.fileExists(atPath: argument, isDirectory: &isFolder) {
                if isFolder.boolValue {
                    let found = folderContents(argument, recursive: recursive)
                    if found.isEmpty {
                        let deeper = !recursive && !folderContents(argument, recursive: true).isEmpty
                        problems.append("\(argument): no PNG or JPEG images in this folder" + (deeper ? " (its subfolders have some: add -r)" : ""))
                    }
                    inputs += found
                } else {
                    inputs.append(BatchInput(path: argument, relativePath: PathName(argument).lastComponent))
                }
            } else if argument.contains(where: { "*?[".contains($0) }) {
                let matches = glob(argument)
                if matches.isEmpty { problems.append("\(argument): no file matches this pattern") }
                inputs += matches.map { BatchInput(path: $0, relativePath: PathName($0).lastComponent) }
            } else {
                problems.append("\(argument): no such file or folder")
            }
        }
        var seen = Set<String>()
        inputs = inputs.filter { seen.insert($0.path).inserted }
        return (inputs.sorted { $0.path < $1.path }, problems)
    }

    private static func folderContents(_ folder: String, recursive: Bool) -> [BatchInput] {
        let files = FileManager.default
        var found: [BatchInput] = []
        var pending = [""]
        while let relative = pending.popLast() {
            let path = relative.isEmpty ? folder : folder + "/" + relative
            guard let names = try? files.contentsOfDirectory(atPath: path) else { continue }
            for name in names where !name.hasPrefix(".") {
                let child = relative.isEmpty ? name : relative + "/" + name
                var isFolder: ObjCBool = false
                _ = files.fileExists(atPath: folder + "/" + child, isDirectory: &isFolder)
                if isFolder.boolValue {
                    if recursive { pending.append(child) }
                } else if imageExtensions.contains(PathName(name).pathExtension.lowercased()) {
                    found.append(BatchInput(path: PathName(folder).appending(child), relativePath: child))
                }
            }
        }
        return found
    }

    private static func glob(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard Glibc.glob(pattern, 0, nil, &result) == 0 else { return [] }
        return (0..<Int(result.gl_pathc)).compactMap { result.gl_pathv[$0].map { String(cString: $0) } }
            .filter { !FileManager.default.fileExists(atPath: $0 + "/.") }
    }
}
