import Foundation
import Testing
@testable import GANCore

/// The errors of the folders under test.
enum FolderFailure: CheckpointFolderError, Equatable {
    case missingState(path: String)
    case badState(path: String, detail: String)
    case weights(path: String, detail: String)
    case mismatch(path: String, detail: String)
    case cannotWrite(path: String, detail: String)
}

/// A state record with a NaN-able loss and a check.
struct FolderState: CheckpointFolderState, Equatable {
    static let currentFormat = "test-checkpoint/1"
    var format = FolderState.currentFormat
    var step: Int
    var modelFile: String
    var optimizerFile: String
    var loss: Double
    var weightFiles: [String] { [modelFile, optimizerFile] }
    var problem: String? { step < 0 ? "negative step" : nil }
}

@Suite struct CheckpointFolderTests {
    typealias Folder = CheckpointFolder<FolderFailure>

    /// A small model and its optimizer after `steps` Adam steps, so that the moments are not zero.
    private func trained(steps: Int, seed: UInt64 = 1) -> (Linear, Adam) {
        var random = SeededGenerator(seed: seed)
        let model = Linear(inFeatures: 3, outFeatures: 2, using: &random)
        let adam = Adam(model.parameters(), learningRate: 0.01)
        for k in 0..<steps {
            for p in model.parameters() { p.grad = Tensor(shape: p.shape, scalars: (0..<p.value.count).map { Float($0 + k) * 0.1 - 0.2 }) }
            adam.step()
        }
        return (model, adam)
    }

    private func save(_ folder: Folder, _ model: Linear, _ adam: Adam, step: Int, loss: Double = 0.5) throws(FolderFailure) {
        let state = FolderState(step: step, modelFile: folder.stampedFile("generator-", step: step),
                                optimizerFile: folder.stampedFile("optimizers-", step: step), loss: loss)
        try folder.write([(state.modelFile, model.stateDict()), (state.optimizerFile, Folder.adamMoments([("generator", adam)]))], state: state)
    }

    private func listing(_ directory: String) -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted() }

    @Test func roundTripRemovesOlderAndStaleFiles() throws {
        let directory = try WeightFixtures.tempDir() + "/run/nested"
        let folder = Folder(directory)
        let (model, adam) = trained(steps: 3)
        try save(folder, model, adam, step: 1)
        #expect(listing(directory) == ["generator-00000001.safetensors", "optimizers-00000001.safetensors", "state.json"])
        // Leftovers of killed saves, and files that are not the checkpoint's.
        for name in [".generator-00000001.safetensors.Ab12Cd", ".optimizers-00000007.safetensors.xYz789", ".state.json.QwErTy.tmp",
                     ".notes.txt.ABCDEF", "notes.safetensors", "discriminator-00000001.json"] {
            _ = FileManager.default.createFile(atPath: folder.path(name), contents: Data([1]))
        }
        try save(folder, model, adam, step: 2, loss: .nan)
        #expect(listing(directory) == [".notes.txt.ABCDEF", "discriminator-00000001.json", "generator-00000002.safetensors", "notes.safetensors",
                                       "optimizers-00000002.safetensors", "state.json"])
        let json = try String(contentsOfFile: folder.statePath, encoding: .utf8)
        #expect(json.contains("\"loss\" : \"nan\"") && json.range(of: "\"format\"")!.lowerBound < json.range(of: "\"step\"")!.lowerBound)

        let state: FolderState = try folder.readState()
        #expect(state.step == 2 && state.loss.isNaN && state.modelFile == "generator-00000002.safetensors")
        let (fresh, freshAdam) = trained(steps: 1, seed: 9)
        try Folder.load(fresh, from: folder.path(state.modelFile))
        try folder.restoreAdamMoments([("generator", freshAdam)], steps: [3], from: state.optimizerFile)
        #expect(fresh.parameters().map(\.value.scalars) == model.parameters().map(\.value.scalars))
        #expect(freshAdam.state == adam.state)
        #expect(throws: FolderFailure.badState(path: folder.statePath, detail: "optimizerSteps needs 1 entries")) {
            try folder.restoreAdamMoments([("generator", freshAdam)], steps: [3, 3], from: state.optimizerFile)
        }
        #expect(throws: FolderFailure.mismatch(path: folder.path(state.optimizerFile), detail: "no moments for discriminator parameter 0")) {
            try folder.restoreAdamMoments([("discriminator", freshAdam)], steps: [3], from: state.optimizerFile)
        }
    }

    @Test func failedSaveLeavesThePreviousCheckpointWhole() throws {
        let directory = try WeightFixtures.tempDir()
        let folder = Folder(directory)
        let (model, adam) = trained(steps: 2)
        try save(folder, model, adam, step: 1)
        let before = try listing(directory).map { try Data(contentsOf: URL(fileURLWithPath: folder.path($0))) }
        // A folder where the new optimizer file goes: the model file is written, the optimizer file cannot be.
        try FileManager.default.createDirectory(atPath: folder.path("optimizers-00000002.safetensors/x"), withIntermediateDirectories: true)
        #expect(throws: FolderFailure.cannotWrite(path: folder.path("optimizers-00000002.safetensors"),
                                                  detail: "Is a directory; the checkpoint of step 1 is kept")) {
            try save(folder, model, adam, step: 2)
        }
        try FileManager.default.removeItem(atPath: folder.path("optimizers-00000002.safetensors"))
        #expect(listing(directory) == ["generator-00000001.safetensors", "optimizers-00000001.safetensors", "state.json"], "the new model file is removed")
        #expect(try listing(directory).map { try Data(contentsOf: URL(fileURLWithPath: folder.path($0))) } == before)
        #expect((try folder.readState() as FolderState).step == 1)

        // A folder that cannot be made (a file has its name): nothing is written.
        let file = folder.path("plain")
        _ = FileManager.default.createFile(atPath: file, contents: Data())
        #expect(throws: FolderFailure.cannotWrite(path: file + "/run", detail: "cannot create the folder: a file has this name")) {
            try save(Folder(file + "/run"), model, adam, step: 1)
        }
    }

    @Test func statesAreChecked() throws {
        let directory = try WeightFixtures.tempDir()
        let folder = Folder(directory)
        #expect(throws: FolderFailure.missingState(path: directory)) { try folder.readState() as FolderState }
        #expect(throws: FolderFailure.self) { try Folder.decodeState(bytes: Array("{}".utf8)) as FolderState }
        let other = #"{"format": "other/2", "step": 1, "modelFile": "m", "optimizerFile": "o", "loss": 0}"#
        #expect(throws: FolderFailure.badState(path: "<memory>", detail: "format other/2, expected test-checkpoint/1")) {
            try Folder.decodeState(bytes: Array(other.utf8)) as FolderState
        }
        let negative = other.replacingOccurrences(of: "other/2", with: "test-checkpoint/1").replacingOccurrences(of: "\"step\": 1", with: "\"step\": -1")
        #expect(throws: FolderFailure.badState(path: "<memory>", detail: "negative step")) { try Folder.decodeState(bytes: Array(negative.utf8)) as FolderState }
        #expect(throws: FolderFailure.weights(path: folder.path("absent"), detail: "\(folder.path("absent")): open failed: No such file or directory (errno 2)")) {
            try Folder.load(trained(steps: 0).0, from: folder.path("absent"))
        }
    }
}
