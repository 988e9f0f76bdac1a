import Foundation
import Testing
import GANImageIO

/// `ImageFiles`: the folder listing trainers, evaluations and batches share.
struct ImageFilesTests {
    @Test func listsVisibleImagesSortedAndRecursesOnlyWhenAsked() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gankit-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
        for name in ["b.PNG", "a.jpg", "c.jfif", ".hidden.png", "notes.txt", "noext", "sub/d.jpeg", "sub/.e.png"] {
            FileManager.default.createFile(atPath: "\(folder)/\(name)", contents: Data([0]))
        }
        #expect(ImageFiles.list(in: folder) == ["a.jpg", "b.PNG", "c.jfif"].map { "\(folder)/\($0)" })
        #expect(ImageFiles.list(in: folder, recursive: true) == ["a.jpg", "b.PNG", "c.jfif", "sub/d.jpeg"].map { "\(folder)/\($0)" })
        #expect(ImageFiles.list(in: folder + "/missing").isEmpty)
        #expect(ImageFiles.isImageName("/x/y.JPE") && !ImageFiles.isImageName("/x/.y.png") && !ImageFiles.isImageName("y.gif"))
    }
}
