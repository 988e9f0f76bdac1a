import Foundation
import Testing
import GANCore
import GANImageIO
@testable import GANTranslation

/// The shared data folder: $GANKIT_DATA, else ../shared/data beside the repository root.
let sharedDataFolder: String = {
    if let env = ProcessInfo.processInfo.environment["GANKIT_DATA"], !env.isEmpty { return env }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return root.deletingLastPathComponent().appendingPathComponent("shared/data").path
}()

let cat2dogFolder = sharedDataFolder + "/cat2dog"
let hasCat2Dog = FileManager.default.fileExists(atPath: cat2dogFolder + "/trainA")

/// A few real photos end to end: two training steps at 32×32, then translating a real photo at its own size.
@Test(.enabled(if: hasCat2Dog, "cat2dog not found in \(cat2dogFolder) (set GANKIT_DATA); smoke test skipped"))
func cat2dogSmoke() throws {
    let a = Array(UnpairedImageFolder.imagePaths(in: cat2dogFolder + "/trainA").prefix(3))
    let b = Array(UnpairedImageFolder.imagePaths(in: cat2dogFolder + "/trainB").prefix(3))
    let data = try UnpairedImageFolder(pathsA: a, pathsB: b, preprocessing: .resizeAndCrop(loadSize: 36, cropSize: 32), seed: 1)
    let run = temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: run) }
    let trainer = CycleGANTrainer(model: CycleGANModel(options: tinyOptions(), seed: 1), data: data, settings: quietSettings(run))
    #expect(try trainer.run(maxSteps: 2) == .stepLimit)
    let photo = try Image(contentsOf: UnpairedImageFolder.imagePaths(in: cat2dogFolder + "/testA")[0]).resized(width: 61, height: 47)
    let out = try Translator(generator: trainer.model.generatorA).translate(photo)
    #expect((out.width, out.height) == (61, 47))
}
