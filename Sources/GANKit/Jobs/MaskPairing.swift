import Foundation

/// Finds each image's mask in a masks folder by name: the mask whose path below the folder,
/// without extension, is the image's (`a/b.jpg` pairs with `a/b.png`); failing that, the one
/// mask anywhere in the folder with the image's file stem.
public struct MaskPairing: Sendable {
    /// The masks folder.
    public let folder: String
    private let byRelativeStem: [String: [String]]
    private let byStem: [String: [String]]

    /// Lists the image files in `folder` (and its subfolders).
    public init(folder: String) {
        self.folder = folder
        let masks = BatchInputs.expand([folder], recursive: true).inputs
        byRelativeStem = Dictionary(grouping: masks.map { ((PathName($0.relativePath).deletingExtension), $0.path) }, by: \.0).mapValues { $0.map(\.1) }
        byStem = Dictionary(grouping: masks.map { (Self.stem($0.relativePath), $0.path) }, by: \.0).mapValues { $0.map(\.1) }
    }

    /// The mask for `input`, or an ``InpaintFileError`` when there is none or more than one.
    public func mask(for input: BatchInput) throws(InpaintFileError) -> String {
        let candidates = byRelativeStem[PathName(input.relativePath).deletingExtension] ?? byStem[Self.stem(input.relativePath)] ?? []
        guard !candidates.isEmpty else { throw .noMask(image: input.path, folder: folder) }
        guard candidates.count == 1 else { throw .ambiguousMask(image: input.path, candidates: candidates.sorted()) }
        return candidates[0]
    }

    private static func stem(_ path: String) -> String {
        PathName(path).stem
    }
}
