import Foundation
import Testing
@testable import GANKit

/// A models folder entry that holds only a run's resumable state is listed as "not a model yet", saying how to
/// continue it, whichever run it is (a label GAN's training, a translator's judge).
struct ModelCatalogRunStateTests {
    @Test func runStateFoldersAreNotModelsYet() throws {
        let dir = try ScratchFolder()
        for sub in ["fashion/training", "cat2dog/judge-training"] {
            try FileManager.default.createDirectory(atPath: dir.path + "/models/" + sub, withIntermediateDirectories: true)
        }
        _ = try dir.file("models/fashion/training/state.json", #"{"format" : "gankit-conditional-gan/1", "step" : 3}"#)
        _ = try dir.file("models/cat2dog/judge-training/state.json", #"{"format" : "gankit-domain-classifier-checkpoint/1", "step" : 62}"#)
        _ = try dir.file("models/cat2dog/README.md", "how to resume")
        try FileManager.default.createDirectory(atPath: dir.path + "/models/horse2zebra/judge", withIntermediateDirectories: true)
        _ = try dir.file("models/horse2zebra/judge/classifier.json", "{}")
        let catalog = ModelCatalog(folder: dir.path + "/models", source: .option)
        #expect(catalog.models.isEmpty)
        let reasons = Dictionary(uniqueKeysWithValues: catalog.skipped.map { (PathName($0.folder).lastComponent, $0.reason) })
        #expect(reasons["fashion"]?.hasPrefix("not a model yet: training/ holds a run's resumable checkpoint (continue it with gantool train cgan") == true)
        #expect(reasons["cat2dog"]?.contains("judge-training/ holds a run's resumable checkpoint (continue it with gantool eval train-domain-classifier") == true,
                "\(reasons)")
        #expect(reasons["horse2zebra"]?.hasPrefix("not a model yet: judge/ holds the classifier") == true)
    }
}
