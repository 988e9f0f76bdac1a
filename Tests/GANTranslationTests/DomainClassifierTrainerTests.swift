import Foundation
import Testing
import GANCore
import GANTraining
@testable import GANTranslation

/// The judge's trainer in the training loop: checkpoints, resumes exactly, and matches the in-memory run.
struct DomainClassifierTrainerTests {
    @Test func resumeContinuesExactlyAndMatchesTheInMemoryRun() throws {
        let root = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try writeBlobDomains(root: root, train: 10, test: 2)
        let data = try LabelledImageSet.load(folders: [[root + "/trainA"], [root + "/trainB"]], domains: ["red", "blue"],
                                             preparation: DomainImagePreparation(inputSize: 16))
        var options = DomainClassifierTraining.Options()
        (options.epochs, options.width, options.batchSize, options.architecture) = (2, 4, 6, .residual)
        func quiet(_ folder: String) -> TrainingLoop {
            var loop = TrainingLoop(runFolder: folder)
            (loop.checkpointEvery, loop.sampleEvery, loop.progressEvery, loop.handlesSignals) = ([], nil, nil, false)
            return loop
        }
        let straight = DomainClassifierTrainer(data: data, classCount: 2, options: options, runFolder: root + "/straight")
        #expect(straight.stepsPerEpoch == 3 && straight.totalSteps == 6, "20 images in batches of 6: the last batch takes 8")
        #expect(try quiet(root + "/straight").run(straight) == .finished)

        let first = DomainClassifierTrainer(data: data, classCount: 2, options: options, runFolder: root + "/split")
        var cut = quiet(root + "/split")
        cut.maxSteps = 4   // into the second epoch
        #expect(try cut.run(first) == .stopped)
        let second = try DomainClassifierTrainer.resumed(from: root + "/split", data: data)
        #expect(second.step == 4)
        #expect(try quiet(root + "/split").run(second) == .finished)
        #expect(second.model.stateDict() == straight.model.stateDict(), "a resumed run continues bit for bit")

        let inMemory = DomainClassifierTrainer(data: data, classCount: 2, options: options)
        inMemory.trainToEnd { _ in }
        #expect(inMemory.model.stateDict() == straight.model.stateDict())
        let log = try String(contentsOfFile: root + "/split/loss_log.csv", encoding: .utf8)
        #expect(log.split(separator: "\n").count == 7, "a header and one row per batch, none twice")

        let fewer = try LabelledImageSet.load(folders: [[root + "/trainA"], [root + "/testB"]], domains: ["red", "blue"],
                                              preparation: DomainImagePreparation(inputSize: 16))
        #expect(throws: TrainingFolderError.self) { try DomainClassifierTrainer.resumed(from: root + "/split", data: fewer) }
    }
}
