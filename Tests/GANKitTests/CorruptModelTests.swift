import Foundation
import Testing
import GANCore
import GANTranslation
@testable import GANKit

/// Model folders that are damaged or do not fit their manifest give an error that names the file
/// and, where one is at fault, the tensor.
@Suite struct CorruptModelTests {
    /// A model folder of a tiny random CycleGAN; returns its path.
    static func modelFolder(in dir: ScratchFolder, ngf: Int = 4) throws -> String {
        var options = CycleGANOptions()
        options.ngf = ngf; options.ndf = 4; options.resnetBlocks = 1
        let folder = dir.path + "/models/a2b"
        try TranslationModel.export(CycleGANModel(options: options, seed: 1),
                                    manifest: TranslationManifest(name: "a2b", domainA: "a", domainB: "b", options: options), to: folder)
        return folder
    }

    static func message(_ body: () throws -> Void) -> String {
        do { try body(); return "" } catch { return String(describing: error) }
    }

    @Test func manifestArchitectureThatDoesNotFitTheWeightsNamesTheTensor() throws {
        let dir = try ScratchFolder()
        let folder = try Self.modelFolder(in: dir, ngf: 8)
        var manifest = try TranslationModel(folder: folder).manifest
        manifest.options.ngf = 6  // smaller than the weights: passes the size check, fails the shapes
        try JSONEncoder().encode(manifest).write(to: URL(fileURLWithPath: folder + "/manifest.json"))
        let text = Self.message { _ = try TranslationModel(folder: folder).loadGenerator("G_A") }
        #expect(text.contains("G_A.safetensors") && text.contains("model.1.weight"), "\(text)")

        manifest.options.ngf = 8
        manifest.options.resnetBlocks = 2
        try JSONEncoder().encode(manifest).write(to: URL(fileURLWithPath: folder + "/manifest.json"))
        let missing = Self.message { _ = try TranslationModel(folder: folder).loadGenerator("G_A") }
        #expect(missing.contains("G_A.safetensors") && missing.contains("model.11"), "\(missing)")
    }

    @Test func truncatedOrLyingWeightFilesAreRefusedNamingTheFile() throws {
        let dir = try ScratchFolder()
        let folder = try Self.modelFolder(in: dir)
        let path = folder + "/G_A.safetensors"
        let bytes = try FileAccess.readAll(path)
        try Data(bytes[0..<(bytes.count - 100)]).write(to: URL(fileURLWithPath: path))
        let truncated = Self.message { _ = try TranslationModel(folder: folder).loadGenerator("G_A") }
        #expect(truncated.contains(path), "\(truncated)")

        // Same length, but the header moves one tensor's data past the end of the file.
        var header = String(decoding: bytes[8..<(8 + Int(bytes[0]) + Int(bytes[1]) << 8)], as: UTF8.self)
        let range = try #require(header.range(of: #"\[0,(\d+)\]"#, options: .regularExpression))
        header.replaceSubrange(range, with: "[0," + String(repeating: "9", count: header[range].count - 4) + "]")
        #expect(header.utf8.count == Int(bytes[0]) + Int(bytes[1]) << 8)
        try Data(bytes[0..<8] + Array(header.utf8) + bytes[(8 + header.utf8.count)...]).write(to: URL(fileURLWithPath: path))
        let lying = Self.message { _ = try TranslationModel(folder: folder).loadGenerator("G_A") }
        #expect(lying.contains(path), "\(lying)")
    }

    @Test func absurdManifestIsRefusedBeforeBuildingTheNetwork() throws {
        let dir = try ScratchFolder()
        let folder = try Self.modelFolder(in: dir)
        var manifest = try TranslationModel(folder: folder).manifest
        manifest.options.ngf = 1 << 40
        try JSONEncoder().encode(manifest).write(to: URL(fileURLWithPath: folder + "/manifest.json"))
        let text = Self.message { _ = try TranslationModel(folder: folder).loadGenerator("G_A") }
        #expect(text.contains("manifest.json") && text.contains("ngf"), "\(text)")
    }

    @Test func manifestPromisingAHugeNetworkIsRefusedFromTheWeightFileSize() throws {
        let dir = try ScratchFolder()
        let folder = try Self.modelFolder(in: dir)
        var manifest = try TranslationModel(folder: folder).manifest
        manifest.options.ngf = 1024
        manifest.options.resnetBlocks = 64  // about 19 G weights: never allocated
        try JSONEncoder().encode(manifest).write(to: URL(fileURLWithPath: folder + "/manifest.json"))
        let text = Self.message { _ = try TranslationModel(folder: folder).loadGenerator("G_A") }
        #expect(text.contains(folder + "/G_A.safetensors") && text.contains("needs at least"), "\(text)")
        // The bound is below the true count: the real architecture passes.
        var options = CycleGANOptions()
        options.ngf = 4; options.resnetBlocks = 1
        let real = ResnetGenerator(options: options.generatorOptions, using: &Self.random)
        #expect(options.generatorOptions.resnetGeneratorParameterLowerBound < real.parameters().reduce(0) { $0 + $1.value.count })
        let unet = NetworkOptions(ngf: 4, unetDowns: 6)
        let unetGenerator = UnetGenerator(options: unet, using: &Self.random)
        #expect(unet.unetGeneratorParameterLowerBound < unetGenerator.parameters().reduce(0) { $0 + $1.value.count })
    }

    @Test func conditionalStateWithAHugeGeneratorIsRefusedBeforeBuildingIt() throws {
        let dir = try ScratchFolder()
        try ConditionalCommandTests.trainTinyModel(in: dir.path + "/model", data: dir.path)
        let statePath = dir.path + "/model/state.json"
        var state = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: statePath))) as! [String: Any]
        var configuration = state["configuration"] as! [String: Any]
        configuration["generatorWidth"] = 4096  // 0.5 G weights
        state["configuration"] = configuration
        try JSONSerialization.data(withJSONObject: state).write(to: URL(fileURLWithPath: statePath))
        let text = Self.message { _ = try LabelConditionalModel(directory: dir.path + "/model") }
        #expect(text.contains("needs at least") && text.contains(".safetensors"), "\(text)")
    }

    nonisolated(unsafe) static var random = SeededGenerator(seed: 9)

    @Test func missingOrMalformedManifestNamesTheFile() throws {
        let dir = try ScratchFolder()
        let folder = try Self.modelFolder(in: dir)
        try Data("{\"format\": \"gankit-cyclegan\", ".utf8).write(to: URL(fileURLWithPath: folder + "/manifest.json"))
        #expect(Self.message { _ = try TranslationModel(folder: folder) }.contains(folder + "/manifest.json"))
        try FileManager.default.removeItem(atPath: folder + "/manifest.json")
        #expect(Self.message { _ = try TranslationModel(folder: folder) }.contains(folder + "/manifest.json"))
    }
}
