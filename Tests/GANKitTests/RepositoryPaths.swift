/// Folders of this repository, found from this file's path (Tests/GANKitTests/RepositoryPaths.swift), so that tests
/// read Fixtures/ and Models/ whatever the working directory.
enum RepositoryPaths {
    /// The repository root.
    static let root: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()
}
