import Foundation

/// How a shipped manifest names its training data: the dataset's name, the part of it used and its checksum file,
/// relative to the data folder (`celeba-aligned-subset/train (checksums: celeba-aligned-subset/SHA256SUMS)`), never
/// the path on the machine that trained it.
public enum DatasetRecord {
    /// The record of the data at `path`: the nearest folder at or above it (up to three levels) holding a SHA256SUMS
    /// or SOURCE.md names the dataset, the rest of the path is the part used; `split` is added when given ("training
    /// split" for the IDX sets, whose files sit side by side). Without such a folder, the path's last component.
    public static func describe(_ path: String, split: String? = nil) -> String {
        var folder = PathName(path).standardized, rest: [String] = []
        for _ in 0..<4 {
            let checksums = PathName(folder).appending("SHA256SUMS")
            let marked = FileManager.default.fileExists(atPath: checksums)
                || FileManager.default.fileExists(atPath: PathName(folder).appending("SOURCE.md"))
            if marked {
                let name = PathName(folder).lastComponent
                let part = ([name] + rest.reversed()).joined(separator: "/")
                var text = part + (split.map { ", \($0)" } ?? "")
                if FileManager.default.fileExists(atPath: checksums) { text += " (checksums: \(name)/SHA256SUMS)" }
                return text
            }
            let parent = PathName(folder).parent
            guard !parent.isEmpty, parent != folder, PathName(folder).lastComponent != ".." else { break }
            rest.append(PathName(folder).lastComponent)
            folder = parent
        }
        let name = PathName(PathName(path).standardized).lastComponent
        return name + (split.map { ", \($0)" } ?? "")
    }
}
