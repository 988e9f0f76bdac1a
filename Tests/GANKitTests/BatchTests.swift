import Foundation
import Testing
@testable import GANKit

/// A scratch folder removed when the test ends.
final class ScratchFolder {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("gankit-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes a small test image (PNG or JPEG by extension) and returns its path.
    @discardableResult
    func image(_ name: String, width: Int = 20, height: Int = 12, value: UInt16 = 90) throws -> String {
        let image = try Image(width: width, height: height, layout: .rgb, filledWith: value)
        let path = self.path + "/" + name
        try OutputPlan.prepareFolder(for: path)
        try image.write(to: path)
        return path
    }

    func file(_ name: String, _ text: String) throws -> String {
        let path = self.path + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func listing(_ sub: String) -> [String] {
        ((try? FileManager.default.subpathsOfDirectory(atPath: path + "/" + sub)) ?? []).sorted()
    }
}

struct BatchTests {
    @Test func inputsExpandFilesFoldersAndPatterns() throws {
        let dir = try ScratchFolder()
        try dir.image("in/a.png"); try dir.image("in/b.jpg"); try dir.image("in/sub/c.png")
        _ = try dir.file("in/notes.txt", "x"); _ = try dir.file("in/.hidden.png", "x")
        let flat = BatchInputs.expand([dir.path + "/in"], recursive: false)
        #expect(flat.inputs.map(\.relativePath) == ["a.png", "b.jpg"] && flat.problems.isEmpty)
        let deep = BatchInputs.expand([dir.path + "/in"], recursive: true)
        #expect(deep.inputs.map(\.relativePath) == ["a.png", "b.jpg", "sub/c.png"])
        let globbed = BatchInputs.expand([dir.path + "/in/*.png", dir.path + "/missing.png", dir.path + "/in/*.gif"], recursive: false)
        #expect(globbed.inputs.map(\.relativePath) == ["a.png"])
        #expect(globbed.problems.count == 2 && globbed.problems[0].contains("missing.png") && globbed.problems[1].contains("no file matches"))
    }

    @Test func aFolderWithoutImagesIsAProblem() throws {
        let dir = try ScratchFolder()
        try dir.image("nested/sub/c.png"); try dir.image("notes/sub/.hidden.png")
        let flat = BatchInputs.expand([dir.path + "/nested", dir.path + "/notes"], recursive: false)
        #expect(flat.inputs.isEmpty && flat.problems.count == 2)
        #expect(flat.problems[0] == "\(dir.path)/nested: no PNG or JPEG images in this folder (its subfolders have some: add -r)")
        #expect(flat.problems[1] == "\(dir.path)/notes: no PNG or JPEG images in this folder", "hidden files are not images to take")
        let deep = BatchInputs.expand([dir.path + "/nested"], recursive: true)
        #expect(deep.inputs.map(\.relativePath) == ["sub/c.png"] && deep.problems.isEmpty)
        let cli = try CommandLineTests.run(["convert", dir.path + "/notes", "-o", dir.path + "/out/"])
        #expect(cli.status == 1 && cli.stderr.contains("notes: no PNG or JPEG images"), "\(cli.stderr)")
    }

    @Test func shardsAreDisjointAndCoverTheBatch() {
        #expect(Shard("0/2") == nil && Shard("3/2") == nil && Shard("x") == nil)
        let shards = (1...3).map { Shard("\($0)/3")! }
        for position in 0..<10 { #expect(shards.filter { $0.contains(position: position) }.count == 1) }
    }

    @Test func aBadFileIsReportedAndTheRestIsDone() throws {
        let dir = try ScratchFolder()
        let good = try dir.image("a.png"), bad = try dir.file("b.png", "not an image"), other = try dir.image("c.jpg")
        let (inputs, problems) = BatchInputs.expand([good, bad, other, dir.path + "/nope.png"], recursive: false)
        let plan = try OutputPlan(dir.path + "/out", inputCount: inputs.count)
        let conversion = ImageConversion(format: .png, resize: ResizeSpec("10x"))
        let summary = BatchRunner(options: BatchOptions(showsProgress: false), verb: "converted").run(
            inputs: inputs, problems: problems, output: { plan.path(for: $0, format: .png) }) {
                try conversion.run(input: $0.path, output: $1!)
            }
        #expect(summary.done == 2 && summary.failed == 2 && summary.hasFailures)
        #expect(summary.items.first { $0.input == bad }?.error?.contains("b.png: not a PNG or JPEG") == true)
        #expect(dir.listing("out") == ["a.png", "c.png"])
        let resized = try Image(contentsOf: dir.path + "/out/c.png")
        #expect(resized.width == 10 && resized.height == 6)
    }

    @Test func skipExistingAndCollisions() throws {
        let dir = try ScratchFolder()
        try dir.image("x/a.png"); try dir.image("y/a.jpg")
        let (inputs, _) = BatchInputs.expand([dir.path + "/x", dir.path + "/y"], recursive: false)
        let plan = OutputPlan.folder(dir.path + "/out")
        var runs = 0
        let runner = BatchRunner(options: BatchOptions(skipExisting: true, showsProgress: false), verb: "converted")
        let first = runner.run(inputs: inputs, output: { plan.path(for: $0, format: .png) }) { input, target in
            runs += 1
            try ImageConversion().run(input: input.path, output: target!)
        }
        #expect(first.done == 1 && first.failed == 1, "two inputs named a.* would both write out/a.png")
        #expect(first.items[1].error?.contains("would overwrite") == true)
        let second = runner.run(inputs: Array(inputs.prefix(1)), output: { plan.path(for: $0, format: .png) }) { _, _ in runs += 1 }
        #expect(second.skipped == 1 && runs == 1)
    }

    @Test func outputPlan() throws {
        let dir = try ScratchFolder()
        #expect(try OutputPlan(dir.path + "/one.png", inputCount: 1) == .file(dir.path + "/one.png"))
        #expect(try OutputPlan(dir.path, inputCount: 1) == .folder(dir.path))
        #expect(try OutputPlan("out/", inputCount: 3) == .folder("out"))
        #expect(throws: GANKitError.self) { try OutputPlan(dir.path + "/one.png", inputCount: 2) }
        let input = BatchInput(path: "/a/b/c.jpeg", relativePath: "b/c.jpeg")
        #expect(OutputPlan.folder("o").path(for: input, format: .png) == "o/b/c.png")
        #expect(OutputPlan.folder("o").path(for: input, format: nil) == "o/b/c.jpeg")
    }

    @Test func resizeSpecs() {
        #expect(ResizeSpec("256x128") == ResizeSpec("256X128"))
        #expect(ResizeSpec("0x5") == nil && ResizeSpec("x") == nil && ResizeSpec("12") == nil && ResizeSpec("-3x4") == nil)
        #expect(ResizeSpec("100x")!.size(forWidth: 400, height: 300) == (100, 75))
        #expect(ResizeSpec("x30")!.size(forWidth: 400, height: 300) == (40, 30))
    }
}
