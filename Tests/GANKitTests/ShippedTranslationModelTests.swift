import Foundation
import Testing
import GANCore
import GANImageIO
import GANTranslation
import enum GANConditional.DataLocation
@testable import GANKit

/// The translation model GANKit ships (`Models/cat2dog`): found by domain both ways, it keeps an image's size and
/// alpha, and on held-out photos the judge (`Models/cat2dog/judge`) calls its translations the target domain far
/// more often than the photos themselves (the 399-photo table is in Models/cat2dog/README.md).
@Suite struct ShippedTranslationModelTests {
    static let models = RepositoryPaths.root + "/Models"
    static let data = DataLocation.root()
    static let hasPhotos = FileManager.default.fileExists(atPath: data + "/cat2dog/testA")

    @Test func translatesBothWaysKeepingSizeAndAlpha() throws {
        let (toDogs, forward) = try TranslationModels.resolve(to: "dogs", model: nil, in: Self.models)
        let (toCats, backward) = try TranslationModels.resolve(to: "cats", model: nil, in: Self.models)
        #expect(toDogs.manifest.name == "cat2dog" && forward == "G_A" && toCats.manifest.name == "cat2dog" && backward == "G_B")
        var samples: [UInt16] = []
        for y in 0..<52 { for x in 0..<70 { samples += [UInt16((x * 3) % 256), UInt16((y * 5) % 256), 90, UInt16(x < 35 ? 255 : 128)] } }
        let photo = try Image(width: 70, height: 52, layout: .rgba, samples: samples)
        for generator in [forward, backward] {
            let out = try Translator(generator: try toDogs.loadGenerator(generator)).translate(photo)
            #expect(out.width == 70 && out.height == 52 && out.alphaChannel() == photo.alphaChannel())
            #expect((0..<70).contains { out[x: $0, y: 20, channel: 0] != photo[x: $0, y: 20, channel: 0] }, "\(generator) changed the image")
        }
    }

    @Test(.enabled(if: hasPhotos, "cat2dog not found under GANKIT_DATA or ../shared/data: skipped"))
    func theJudgeSeesTheTargetDomainOnHeldOutPhotos() throws {
        let summary = try TranslationModelEvaluation.evaluate(
            modelSpec: "cat2dog", models: Self.models, testA: [Self.data + "/cat2dog/testA"], testB: [Self.data + "/cat2dog/testB"],
            classifierDirectory: Self.models + "/cat2dog/judge", limit: 24)
        let directions = summary.report.directions
        #expect(directions.count == 2)
        for d in directions {
            // The untranslated photos are called the target about 1 time in 10; the translations several times more.
            #expect(d.shareClassifiedAsTarget >= 0.5 && d.shareClassifiedAsTarget >= 3 * d.untranslatedShareClassifiedAsTarget,
                    "\(d.from) -> \(d.to): \(d.shareClassifiedAsTarget) vs untranslated \(d.untranslatedShareClassifiedAsTarget)")
            #expect(d.fid < d.fidUntranslated, "\(d.from) -> \(d.to): FID \(d.fid) vs untranslated \(d.fidUntranslated)")
        }
    }
}
