import Foundation
import Testing
@testable import GANKit

/// Output folders a user may name, run as a user would (the built gantool, working directory the scratch folder):
/// one-character folders that do not exist yet (these crashed in Foundation's path code), trailing slashes, "./",
/// "..", spaces and unicode, for convert, inpaint and generate.
struct OutputPathTests {
    /// Runs gantool in `folder`; status and stderr.
    static func run(_ arguments: [String], in folder: String) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(CommandLineTests.tool))
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        let err = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        try process.run()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stderr, as: UTF8.self))
    }

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    @Test(.enabled(if: CommandLineTests.tool != nil, "gantool binary not built"),
          arguments: ["k/out.png", "k/", "./k/out.png", "k/m/n/", "sub/../k/out.png", "dir with space/o.png", "été/ü.png", "猫/"])
    func convertWritesIntoNewFolders(output: String) throws {
        let dir = try ScratchFolder()
        try dir.image("a.png")
        let result = try Self.run(["convert", "a.png", "-o", output], in: dir.path)
        #expect(result.status == 0, "\(output): \(result.stderr)")
        let written = output.hasSuffix("/") ? output + "a.png" : output
        #expect(Self.exists(dir.path + "/" + written), "\(output): nothing at \(written)")
    }

    @Test(.enabled(if: CommandLineTests.tool != nil, "gantool binary not built"))
    func batchAndInpaintAndGenerateIntoOneCharacterFolders() throws {
        let dir = try ScratchFolder()
        try dir.image("a.jpg"); try dir.image("b.png")
        let hole = (0..<(20 * 12)).map { i in (5..<11).contains(i % 20) && (3..<7).contains(i / 20) }
        try Mask(width: 20, height: 12, isHole: hole).image.write(to: dir.path + "/m.png")
        let batch = try Self.run(["convert", "a.jpg", "b.png", "-o", "x/"], in: dir.path)
        #expect(batch.status == 0 && Self.exists(dir.path + "/x/a.jpg") && Self.exists(dir.path + "/x/b.png"), "\(batch.stderr)")
        let inpaint = try Self.run(["inpaint", "b.png", "m.png", "-o", "z/"], in: dir.path)
        #expect(inpaint.status == 0 && Self.exists(dir.path + "/z/b.png"), "\(inpaint.stderr)")
        let parent = try Self.run(["convert", "a.jpg", "-o", "../" + PathName(dir.path).lastComponent + "/y/a.png"], in: dir.path)
        #expect(parent.status == 0 && Self.exists(dir.path + "/y/a.png"), "\(parent.stderr)")
        let models = RepositoryPaths.root + "/Models"
        if Self.exists(models + "/faces-colorize/manifest.json") {
            let generate = try Self.run(["generate", "--model", models + "/faces-colorize", "--from", "b.png", "-o", "q/"], in: dir.path)
            #expect(generate.status == 0 && Self.exists(dir.path + "/q/b.png"), "\(generate.stderr)")
        }
    }
}
