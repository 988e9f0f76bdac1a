import Foundation
import Testing
import GANCore
import GANImageIO
import GANTranslation
@testable import GANKit

/// `gantool eval train-domain-classifier` and `gantool eval translate` on synthetic red-blob / blue-blob domains.
struct EvalTranslateCommandTests {
    /// A red (A) or blue (B) disc on grey noise, in images of varying size.
    static func writeBlobs(domain: Int, count: Int, into folder: String, seed: UInt64) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var random = SeededGenerator(seed: seed)
        for k in 0..<count {
            let (w, h) = (20 + Int(random.next() % 8), 20 + Int(random.next() % 8))
            let (cx, cy, r) = (6 + Int(random.next() % UInt64(w - 12)), 6 + Int(random.next() % UInt64(h - 12)), 4 + Int(random.next() % 3))
            var samples = [UInt16](repeating: 0, count: w * h * 3)
            for y in 0..<h { for x in 0..<w {
                let grey = UInt16(100 + random.next() % 40)
                let inside = (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r
                let pixel: [UInt16] = inside ? (domain == 0 ? [230, 30, 30] : [30, 30, 230]) : [grey, grey, grey]
                for c in 0..<3 { samples[(y * w + x) * 3 + c] = pixel[c] }
            } }
            try Image(width: w, height: h, layout: .rgb, sampleType: .uint8, samples: samples).write(to: "\(folder)/img\(k).png")
        }
    }

    @Test(.enabled(if: CommandLineTests.tool != nil, "gantool binary not built")) func trainClassifierThenEvaluateModelAndCheckpoint() throws {
        let dir = try ScratchFolder()
        let data = dir.path + "/blobs"
        for (k, (split, count)) in [("trainA", 20), ("trainB", 20), ("testA", 8), ("testB", 8)].enumerated() {
            try Self.writeBlobs(domain: k % 2, count: count, into: "\(data)/\(split)", seed: UInt64(k + 1))
        }
        let classifier = dir.path + "/classifier"
        let fit = try CommandLineTests.run(["eval", "train-domain-classifier", "--a", data + "/testA", "--b", data + "/testB",
                                            "--a-name", "red", "--b-name", "blue", "-o", classifier, "--epochs", "4",
                                            "--input-size", "16", "--width", "4"])
        #expect(fit.status == 0 && fit.stdout.contains("test accuracy"), "\(fit.stderr)")
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: classifier + "/classifier.json"))) as? [String: Any]
        #expect(record?["domains"] as? [String] == ["red", "blue"] && record?["seed"] as? Int == 0)
        #expect((record?["trainFolders"] as? [[String]])?.first?.first?.hasSuffix("/blobs/trainA") == true)

        // Checkpointed into a run folder: one epoch, then resumed to two, equals two epochs straight.
        let judge = ["eval", "train-domain-classifier", "--a", data + "/testA", "--b", data + "/testB", "--input-size", "16", "--width", "4"]
        let half = try CommandLineTests.run(judge + ["-o", dir.path + "/c1", "--run", dir.path + "/judge", "--epochs", "1"])
        #expect(half.status == 0 && FileManager.default.fileExists(atPath: dir.path + "/judge/state.json"), "\(half.stderr)")
        #expect(try CommandLineTests.run(judge + ["-o", dir.path + "/c1", "--run", dir.path + "/judge", "--epochs", "2"]).status == 1,
                "a run folder with a checkpoint needs --resume")
        let continued = try CommandLineTests.run(judge + ["-o", dir.path + "/c2", "--run", dir.path + "/judge", "--epochs", "2", "--resume"])
        #expect(continued.status == 0 && continued.stderr.contains("resumed"), "\(continued.stderr)")
        let uncut = try CommandLineTests.run(judge + ["-o", dir.path + "/c3", "--epochs", "2"])
        #expect(uncut.status == 0)
        #expect(FileManager.default.contentsEqual(atPath: dir.path + "/c2/classifier.safetensors", andPath: dir.path + "/c3/classifier.safetensors"))

        // A tiny random model folder, and the same weights as a run's checkpoint.
        var options = CycleGANOptions()
        options.ngf = 2; options.ndf = 2; options.resnetBlocks = 1
        let model = CycleGANModel(options: options, seed: 1)
        try TranslationModel.export(model, manifest: TranslationManifest(name: "red2blue", domainA: "red", domainB: "blue", options: options),
                                    to: dir.path + "/models/red2blue")
        let state = CycleGANTrainingState(step: 7, epoch: 0, index: 7, dataSeed: 0, options: options, poolGeneratorStates: [1, 2],
                                          optimizerSteps: [7, 7], trainingSeconds: 1)
        try model.saveCheckpoint(state: state, runFolder: dir.path + "/run")

        let common = ["--a", data + "/testA", "--b", data + "/testB", "--classifier", classifier, "--size", "24"]
        let table = try CommandLineTests.run(["eval", "translate", "--model", dir.path + "/models/red2blue"] + common)
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("red -> blue") && table.stdout.contains("blue -> red") && table.stdout.contains("cycle L1"))
        #expect(table.stdout.contains("FID") && table.stdout.contains("KID") && table.stdout.contains("test accuracy"))
        #expect(table.stdout.contains("goals (each way: classified as the target at least 85.0% of the classifier's accuracy on real target photos"))
        #expect(table.stdout.contains("FID and KID below the untranslated photos'; cycle L1 reported, not a goal): not met"))
        #expect(table.stderr.contains("red -> blue: 8/8"))

        let json = try CommandLineTests.run(["eval", "translate", "--model", "red2blue", "--models", dir.path + "/models", "--json", "--limit", "5"] + common)
        #expect(json.status == 0, "\(json.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let directions = object?["directions"] as? [[String: Any]]
        #expect(directions?.count == 2 && directions?.first?["count"] as? Int == 5)
        #expect(directions?.first?["from"] as? String == "red" && directions?.first?["to"] as? String == "blue")
        for key in ["shareClassifiedAsTarget", "untranslatedShareClassifiedAsTarget", "fid", "fidUntranslated", "kid", "kidUntranslated", "cycleL1",
                    "requiredShare"] {
            #expect(directions?.first?[key] is Double, "\(key)")
        }
        #expect(object?["classifierTestAccuracy"] is Double && object?["relativeShareGoal"] as? Double == 0.85)
        #expect(object?["goalsMet"] as? Bool == false && object?["classifierSawTestImages"] as? Bool == false)

        // A run folder without model/ is evaluated at its latest checkpoint, its domains named by the classifier.
        let checkpoint = try CommandLineTests.run(["eval", "translate", "--model", dir.path + "/run"] + common)
        #expect(checkpoint.status == 0 && checkpoint.stdout.contains("(step 7)") && checkpoint.stdout.contains("red -> blue"), "\(checkpoint.stderr)")

        // A model trained by gantool records its training folders: the held-out check covers the generators too.
        let trained = try CommandLineTests.run(["train", "cyclegan", "--a", data + "/trainA", "--b", data + "/trainB", "--name", "blobs",
                                                "--out", dir.path + "/trained", "--size", "24", "--ngf", "2", "--blocks", "1", "--max-steps", "1",
                                                "--loss", "hinge", "--cycle-weight", "3", "--identity-weight", "0"])
        #expect(trained.status == 0, "\(trained.stderr)")
        let trainedState = try String(contentsOfFile: dir.path + "/trained/model/manifest.json", encoding: .utf8)
        #expect(trainedState.contains("\"objective\" : \"hinge\""), "the chosen loss is recorded in the model")
        #expect(trainedState.contains("\"lambdaCycle\" : 3") && trainedState.contains("\"lambdaIdentity\" : 0"), "and the cycle and identity weights")
        let badLoss = try CommandLineTests.run(["train", "cyclegan", "--a", data + "/trainA", "--b", data + "/trainB", "--name", "x",
                                                "--out", dir.path + "/x", "--loss", "wasserstein"])
        #expect(badLoss.status != 0 && badLoss.stderr.contains("--loss must be one of"))
        let held = try CommandLineTests.run(["eval", "translate", "--model", dir.path + "/trained", "--json"] + common)
        let heldObject = try JSONSerialization.jsonObject(with: Data(held.stdout.utf8)) as? [String: Any]
        #expect(held.status == 0 && heldObject?["generatorSawTestImages"] as? Bool == false, "\(held.stderr)")
        // Exported as a shipped model (F16, notes, wall time), evaluated by name and the report recorded in its manifest.
        let exported = try CommandLineTests.run(["export", dir.path + "/trained", "--name", "blobs", "--fp16", "--models", dir.path + "/shipped",
                                                 "--note", "terms=made by the test"])
        #expect(exported.status == 0 && exported.stdout.contains("translation model blobs (F16)"), "\(exported.stderr)")
        let shipped = try TranslationModel(folder: dir.path + "/shipped/blobs").manifest
        #expect(shipped.name == "blobs" && shipped.trainingSteps == 1 && shipped.trainingSeconds != nil)
        #expect(shipped.notes?["terms"] == "made by the test" && shipped.notes?["trainA"]?.hasSuffix("/blobs/trainA") == true)
        let recorded = try CommandLineTests.run(["eval", "translate", "--model", "blobs", "--models", dir.path + "/shipped", "--record"] + common)
        #expect(recorded.status == 0 && recorded.stderr.contains("recorded in"), "\(recorded.stderr)")
        let manifestObject = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.path + "/shipped/blobs/manifest.json"))) as? [String: Any]
        let translateEntry = (manifestObject?["evaluation"] as? [String: Any])?["translate"] as? [String: Any]
        #expect((translateEntry?["directions"] as? [[String: Any]])?.count == 2 && translateEntry?["measuredAt"] != nil)
        #expect(try TranslationModel(folder: dir.path + "/shipped/blobs").manifest == shipped, "the manifest still reads as the same model")
        let intoCheckpoint = try CommandLineTests.run(["eval", "translate", "--model", dir.path + "/run", "--record"] + common)
        #expect(intoCheckpoint.status != 0 && intoCheckpoint.stderr.contains("export it first"), "\(intoCheckpoint.stderr)")
        let unnamed = try CommandLineTests.run(["export", dir.path + "/run", "--name", "x", "--models", dir.path + "/shipped"])
        #expect(unnamed.status != 0 && unnamed.stderr.contains("--class-names"), "a checkpoint needs its domains named")
        let leaked = try CommandLineTests.run(["eval", "translate", "--model", dir.path + "/trained", "--a", data + "/trainA", "--b", data + "/testB",
                                               "--classifier", classifier, "--size", "24"])
        #expect(leaked.status == 0 && leaked.stdout.contains("classifier YES, generators YES") && leaked.stdout.contains("not met"))

        let missing = try CommandLineTests.run(["eval", "translate", "--model", dir.path + "/models/red2blue", "--a", data + "/testA",
                                                "--b", data + "/testB", "--classifier", dir.path + "/none"])
        #expect(missing.status == 1 && missing.stderr.contains("no trained domain classifier"))
        #expect(try CommandLineTests.run(["eval", "translate", "--model", "x", "--a", data + "/testA"]).status != 0)

        // A CUT model goes red -> blue only: translate, models and eval translate say so.
        let cut = try CommandLineTests.run(["train", "cyclegan", "--objective", "cut", "--a", data + "/trainA", "--b", data + "/trainB",
                                            "--name", "blobs-cut", "--out", dir.path + "/cut", "--size", "24", "--ngf", "2", "--blocks", "1",
                                            "--max-steps", "2", "--a-name", "red", "--b-name", "blue"])
        #expect(cut.status == 0 && cut.stderr.contains("(cut)"), "\(cut.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir.path + "/cut/model/G_A.safetensors"))
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/cut/model/G_B.safetensors"))
        let listing = try CommandLineTests.run(["models", "--models", dir.path + "/cut"])
        #expect(listing.status == 0 && listing.stdout.contains("red -> blue") && listing.stdout.contains("A -> B only"), "\(listing.stdout)")
        let toBlue = try CommandLineTests.run(["translate", data + "/testA", "--to", "blue", "--models", dir.path + "/cut", "-o", dir.path + "/blue"])
        #expect(toBlue.status == 0, "\(toBlue.stderr)")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: dir.path + "/blue")) ?? []).count == 8)
        let toRed = try CommandLineTests.run(["translate", data + "/testB", "--to", "red", "--models", dir.path + "/cut", "-o", dir.path + "/red"])
        #expect(toRed.status != 0 && toRed.stderr.contains("only translates red to blue"), "\(toRed.stderr)")
        let oneWay = try CommandLineTests.run(["eval", "translate", "--model", dir.path + "/cut"] + common)
        #expect(oneWay.status == 0, "\(oneWay.stderr)")
        #expect(oneWay.stdout.contains("red -> blue") && oneWay.stdout.contains("blue -> red") && oneWay.stdout.contains("not available"), "\(oneWay.stdout)")
        #expect(oneWay.stdout.contains("cycle L1 not applicable"))
        let oneWayJSON = try CommandLineTests.run(["eval", "translate", "--model", dir.path + "/cut", "--json"] + common)
        let oneWayObject = try JSONSerialization.jsonObject(with: Data(oneWayJSON.stdout.utf8)) as? [String: Any]
        #expect((oneWayObject?["directions"] as? [[String: Any]])?.count == 1)
        #expect(oneWayObject?["unavailableDirections"] as? [String] == ["blue -> red"])
        #expect((oneWayObject?["directions"] as? [[String: Any]])?.first?["cycleL1"] == nil)
        let verify = try CommandLineTests.run(["checkpoint", "verify", dir.path + "/cut"])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        let resumed = try CommandLineTests.run(["train", "cyclegan", "--a", data + "/trainA", "--b", data + "/trainB", "--name", "blobs-cut",
                                                "--out", dir.path + "/cut", "--size", "24", "--max-steps", "1", "--resume"])
        #expect(resumed.status == 0 && resumed.stderr.contains("(cut)") && resumed.stderr.contains("from step 2"), "\(resumed.stderr)")
        let badObjective = try CommandLineTests.run(["train", "cyclegan", "--objective", "unit", "--a", data + "/trainA", "--b", data + "/trainB", "--name", "y"])
        #expect(badObjective.status != 0 && badObjective.stderr.contains("--objective must be one of"))
    }

    @Test func trainingFoldersAndCacheNames() throws {
        #expect(TranslationModelEvaluation.defaultClassifierDirectory(testFolders: ["/d/cat2dog/testA", "/d/cat2dog-extra/testA", "/d/cat2dog/testB"])
            .hasSuffix("/gankit/classifiers/cat2dog+cat2dog-extra-domains"))
        let dir = try ScratchFolder()
        try FileManager.default.createDirectory(atPath: dir.path + "/trainA", withIntermediateDirectories: true)
        #expect(try TranslationModelEvaluation.trainingFolder(besideTestFolder: dir.path + "/testA").hasSuffix("/trainA"))
        #expect(throws: GANKitError.self) { try TranslationModelEvaluation.trainingFolder(besideTestFolder: dir.path + "/testB") }
        #expect(throws: GANKitError.self) { try TranslationModelEvaluation.trainingFolder(besideTestFolder: dir.path + "/photos") }
    }
}
