import Foundation
import Testing
import GANCore
import GANImageIO
import GANTraining
@testable import GANTranslation

/// CycleGAN with discriminators at two scales (`discriminatorScales` 2): the coarse ones train, checkpoint under
/// their own names and resume exactly; old options without the key read as one scale.
struct MultiScaleDiscriminatorTests {
    @Test func twoScalesTrainCheckpointAndResumeExactly() throws {
        let (root, a, b) = try makeDomains()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let data = try UnpairedImageFolder(pathsA: a, pathsB: b, preprocessing: .resizeAndCrop(loadSize: 36, cropSize: 32), seed: 5)
        var options = tinyOptions()
        options.discriminatorScales = 2
        let model = CycleGANModel(options: options, seed: 1)
        #expect(model.networks.map(\.name) == ["G_A", "G_B", "D_A", "D_B", "D_A_scale2", "D_B_scale2"])
        let before = model.coarseDiscriminators[0].a.stateDict()
        let straight = CycleGANTrainer(model: model, data: data, settings: quietSettings(root + "/straight"))
        #expect(try straight.run(maxSteps: 4) == .stepLimit)
        #expect(straight.model.coarseDiscriminators[0].a.stateDict() != before, "the coarse discriminator learns")

        let first = CycleGANTrainer(model: CycleGANModel(options: options, seed: 1), data: data, settings: quietSettings(root + "/split"))
        try first.run(maxSteps: 2)
        try first.saveCheckpoint()
        let folder = try CycleGANCheckpoint.latestState(runFolder: root + "/split").folder
        #expect(FileManager.default.fileExists(atPath: folder + "/D_B_scale2.safetensors"))
        let second = try CycleGANTrainer(resuming: quietSettings(root + "/split"), data: data)
        #expect(second.model.options.discriminatorScales == 2)
        try second.run(maxSteps: 2)
        for (x, y) in zip(straight.model.networks, second.model.networks) {
            #expect(x.module.stateDict() == y.module.stateDict(), "\(x.name) differs after resume")
        }
        #expect(straight.model.discriminatorOptimizer.secondMoments == second.model.discriminatorOptimizer.secondMoments)

        let old = try JSONDecoder().decode(CycleGANOptions.self, from: try JSONEncoder().encode(tinyOptions()))
        let encoded = String(decoding: try JSONEncoder().encode(tinyOptions()), as: UTF8.self)
        #expect(old.discriminatorScales == 1 && !encoded.contains("discriminatorScales"))
        var cut = tinyOptions()
        (cut.method, cut.discriminatorScales) = (.cut, 2)
        #expect(cut.problem != nil, "multi-scale discriminators are CycleGAN's")
    }
}
