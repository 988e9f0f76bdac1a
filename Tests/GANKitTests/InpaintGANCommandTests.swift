import Foundation
import Testing
@testable import GANKit

/// The inpainting GAN behind `Inpainter`, `gantool inpaint --model`, `gantool eval inpaint`, `gantool models` and
/// `gantool export`, with a cnum-4 network of random weights (its fills are poor; the contract is what is tested).
enum TinyInpaintModel {
    static let configuration = InpaintingConfiguration(cnum: 4, ndf: 4, discriminatorLayers: 3, imageSize: 16)

    static func trainer() -> InpaintingTrainer {
        var options = InpaintingOptions()
        options.batchSize = 1
        options.seed = 3
        return InpaintingTrainer(configuration: configuration, options: options)
    }

    /// Writes the model folder `models`/`name` and returns it.
    @discardableResult
    static func write(into models: String, name: String = "tiny-inpaint") throws -> String {
        try InpaintingModel.write(trainer(), name: name, dataset: nil, to: "\(models)/\(name)")
        return "\(models)/\(name)"
    }

    /// A w×h picture with samples varying by position (16-bit: spread over 0...65535).
    static func picture(_ w: Int, _ h: Int, layout: ChannelLayout = .rgb, sampleType: SampleType = .uint8) throws -> Image {
        let n = layout.channelCount
        return try Image(width: w, height: h, layout: layout, sampleType: sampleType, samples: (0..<(w * h * n)).map { i in
            let p = i / n, c = i % n
            let v = (7 * (p % w) + 3 * (p / w) + 50 * c) % 256
            return sampleType == .uint16 ? UInt16(v * 256 + (p % 7) * 17) : UInt16(v)
        })
    }

    /// Every sample outside the hole equal, and every alpha sample.
    static func knownSamplesEqual(_ a: Image, _ b: Image, _ mask: Mask) -> Bool {
        guard a.width == b.width, a.height == b.height, a.layout == b.layout, a.sampleType == b.sampleType else { return false }
        for p in 0..<mask.isHole.count {
            for c in 0..<a.channelCount where !mask.isHole[p] || (a.layout.hasAlpha && c == a.channelCount - 1) {
                if a[x: p % a.width, y: p / a.width, channel: c] != b[x: p % a.width, y: p / a.width, channel: c] { return false }
            }
        }
        return true
    }
}

struct InpaintGANFacadeTests {
    @Test func windowsOfALargeImageKeepKnownPixels() throws {
        let dir = try ScratchFolder()
        let inpainter = try Inpainter(modelNamed: "tiny-inpaint", models: TinyInpaintModel.write(into: dir.path + "/models").replacingOccurrences(of: "/tiny-inpaint", with: ""))
        #expect(inpainter.method == .gan && inpainter.modelManifest?.configuration == TinyInpaintModel.configuration)
        let (w, h) = (1500, 1100)
        let image = try TinyInpaintModel.picture(w, h)
        // Two small holes far apart: 20×12 at (100, 80) and 9×30 at (1400, 1000).
        let mask = try Mask(width: w, height: h, isHole: (0..<(w * h)).map { p in
            let (x, y) = (p % w, p / w)
            return ((100..<120).contains(x) && (80..<92).contains(y)) || ((1400..<1409).contains(x) && (1000..<1030).contains(y))
        })
        let (filled, windows) = try inpainter.inpaintReportingWindows(image: image, mask: mask)
        #expect(windows == [InpaintingWindow(x: 36, y: 16, width: 148, height: 140, scale: 1, holePixels: 240),
                            InpaintingWindow(x: 1336, y: 936, width: 137, height: 158, scale: 1, holePixels: 270)])
        #expect(TinyInpaintModel.knownSamplesEqual(filled, image, mask))
        #expect(try inpainter.inpaint(image: image, mask: mask) == filled)   // deterministic

        // Nearby holes share one window; a window over the cap is shrunk and its fill used in the hole only.
        let near = try Mask(width: 400, height: 300, isHole: (0..<120_000).map { p in
            let (x, y) = (p % 400, p / 400)
            return ((50..<60).contains(x) && (50..<60).contains(y)) || ((150..<160).contains(x) && (60..<70).contains(y))
        })
        #expect(InpaintingWindowPlan().windows(for: near).count == 1)
        let wide = try Mask(width: 400, height: 300, isHole: (0..<120_000).map { p in (20..<380).contains(p % 400) && (140..<150).contains(p / 400) })
        var capped = inpainter
        capped.plan = InpaintingWindowPlan(cap: 128)
        let small = try TinyInpaintModel.picture(400, 300)
        let (out, shrunk) = try capped.inpaintReportingWindows(image: small, mask: wide)
        #expect(shrunk.count == 1 && shrunk[0].width == 400 && shrunk[0].scale == 128.0 / 400 && shrunk[0].networkWidth == 128)
        #expect(TinyInpaintModel.knownSamplesEqual(out, small, wide))
        #expect(out != small)
    }

    @Test func sixteenBitGrayAndAlphaPassThrough() throws {
        let dir = try ScratchFolder()
        let model = try InpaintingModel(folder: TinyInpaintModel.write(into: dir.path))
        let inpainter = Inpainter(model: model)
        for (layout, type) in [(ChannelLayout.rgba, SampleType.uint16), (.gray, .uint8), (.grayAlpha, .uint16), (.rgb, .uint8)] {
            let image = try TinyInpaintModel.picture(37, 29, layout: layout, sampleType: type)
            let mask = try Mask(width: 37, height: 29, isHole: (0..<(37 * 29)).map { p in (5..<20).contains(p % 37) && (9..<15).contains(p / 37) })
            let out = try inpainter.inpaint(image: image, mask: mask)
            #expect(TinyInpaintModel.knownSamplesEqual(out, image, mask), "\(layout) \(type)")
            #expect(out != image, "\(layout) \(type): the hole was not filled")
        }
        let image = try TinyInpaintModel.picture(10, 10)
        #expect(try inpainter.inpaint(image: image, mask: Mask(width: 10, height: 10, isHole: [Bool](repeating: false, count: 100))) == image)
        #expect(throws: InpaintingError.maskCoversEverything(width: 10, height: 10)) {
            try inpainter.inpaint(image: image, mask: Mask(width: 10, height: 10, isHole: [Bool](repeating: true, count: 100)))
        }
        #expect(throws: InpaintingError.self) { try inpainter.inpaint(image: image, mask: Mask(width: 9, height: 10, isHole: [Bool](repeating: true, count: 90))) }
        #expect(throws: InpaintingError.self) { try Inpainter(method: .gan).inpaint(image: image, mask: Mask(width: 10, height: 10, isHole: (0..<100).map { $0 == 5 })) }
        #expect(throws: InpaintModelError.self) { try Inpainter(modelNamed: "nothing", models: dir.path) }
    }

    @Test func ganInpainterGivesSerialResultsFromEightThreads() throws {
        let dir = try ScratchFolder()
        let inpainter = Inpainter(model: try InpaintingModel(folder: TinyInpaintModel.write(into: dir.path)))
        let inputs = try (0..<ConcurrencyTests.threads).map { try ConcurrencyTests.picture($0, alpha: $0 % 2 == 1) }
        let masks = try (0..<ConcurrencyTests.threads).map { k in
            try Mask(width: 45, height: 38, isHole: (0..<(45 * 38)).map { i in (i % 45 - 10 - k).magnitude < 6 && (i / 45 - 15).magnitude < 9 })
        }
        let serial = try (0..<ConcurrencyTests.threads).map { try inpainter.inpaint(image: inputs[$0], mask: masks[$0]) }
        let parallel = ConcurrencyTests.concurrently { k in try inpainter.inpaint(image: inputs[k], mask: masks[k]) }
        for k in 0..<ConcurrencyTests.threads { #expect(try parallel[k].get() == serial[k], "thread \(k)") }
    }

    @Test func evaluationMasksArePureFunctionsOfSeedBucketAndIndex() throws {
        #expect(InpaintEvaluation.buckets.count == 4 && InpaintEvaluation.label(ofBucket: 3) == "40-50")
        for b in 0..<4 {
            let m = try InpaintEvaluation.mask(seed: 7, bucket: b, index: 2, width: 60, height: 70)
            #expect(InpaintEvaluation.buckets[b].contains(m.holeFraction), "bucket \(b): \(m.holeFraction)")
            #expect(try InpaintEvaluation.mask(seed: 7, bucket: b, index: 2, width: 60, height: 70) == m)
            #expect(try InpaintEvaluation.mask(seed: 7, bucket: b, index: 3, width: 60, height: 70) != m)
            #expect(try InpaintEvaluation.mask(seed: 8, bucket: b, index: 2, width: 60, height: 70) != m)
        }
        #expect(InpaintEvaluation.maskSeed(seed: 1, bucket: 0, index: 1) != InpaintEvaluation.maskSeed(seed: 1, bucket: 1, index: 0))
        #expect(InpaintEvaluation.maskSeed(seed: 1, bucket: 2, index: 5) == InpaintEvaluation.maskSeed(seed: 1, bucket: 2, index: 5))
    }
}

/// The commands end to end.
struct InpaintGANCommandTests {
    static var tool: String? { CommandLineTests.tool }

    @Test(.enabled(if: tool != nil, "gantool binary not built")) func ganOnOddSizesKeepsKnownSamplesAndBatchesGoOn() throws {
        let dir = try ScratchFolder()
        let models = dir.path + "/models"
        try TinyInpaintModel.write(into: models)
        let images: [(String, Image)] = [("a.png", try TinyInpaintModel.picture(31, 23)),
                                         ("b.png", try TinyInpaintModel.picture(17, 13, layout: .rgba, sampleType: .uint16)),
                                         ("c.png", try TinyInpaintModel.picture(26, 19, layout: .gray))]
        for (name, image) in images {
            try OutputPlan.prepareFolder(for: "\(dir.path)/in/\(name)")
            try image.write(to: "\(dir.path)/in/\(name)")
            let mask = try Mask(width: image.width, height: image.height, isHole: (0..<(image.width * image.height)).map { p in
                (3..<9).contains(p % image.width) && (4..<10).contains(p / image.width)
            })
            try OutputPlan.prepareFolder(for: "\(dir.path)/masks/\(name)")
            try mask.image.write(to: "\(dir.path)/masks/\(name)")
        }
        _ = try dir.file("in/d.png", "not a png")
        try mask(4, 4).image.write(to: dir.path + "/masks/d.png")
        let result = try CommandLineTests.run(["inpaint", dir.path + "/in", "--masks", dir.path + "/masks", "--model", "tiny-inpaint",
                                               "--models", models, "-o", dir.path + "/out", "--json"])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("d.png") && result.stderr.contains("[4/4]"))
        let summary = try JSONDecoder().decode(BatchSummary.self, from: Data(result.stdout.utf8))
        #expect(summary.done == 3 && summary.failed == 1)
        for (name, image) in images {
            let out = try Image(contentsOf: "\(dir.path)/out/\(name)")
            let holes = try Mask(contentsOf: "\(dir.path)/masks/\(name)")
            #expect(TinyInpaintModel.knownSamplesEqual(out, image, holes), "\(name)")
            #expect(out != image, "\(name): nothing filled")
        }
        let again = try CommandLineTests.run(["inpaint", dir.path + "/in/a.png", "--masks", dir.path + "/masks", "--model", "tiny-inpaint",
                                              "--models", models, "-o", dir.path + "/out", "--skip-existing", "--json", "-q"])
        let skipped = try JSONDecoder().decode(BatchSummary.self, from: Data(again.stdout.utf8)).skipped
        #expect(again.status == 0 && skipped == 1)
        // --method gan alone takes the only inpainting model; --model with --method telea is refused; a wrong name is named.
        let only = try CommandLineTests.run(["inpaint", dir.path + "/in/a.png", dir.path + "/masks/a.png", "--method", "gan", "--models", models, "-o", dir.path + "/only.png", "-q"])
        #expect(only.status == 0, "\(only.stderr)")
        #expect(try CommandLineTests.run(["inpaint", dir.path + "/in/a.png", dir.path + "/masks/a.png", "--method", "telea", "--model", "tiny-inpaint"]).status != 0)
        let missing = try CommandLineTests.run(["inpaint", dir.path + "/in/a.png", dir.path + "/masks/a.png", "--model", "nope", "--models", models])
        #expect(missing.status == 1 && missing.stderr.contains("no inpainting model 'nope'") && missing.stderr.contains("tiny-inpaint"))
        // Wrong-size, empty and full masks get the same messages as Telea.
        try mask(5, 5).image.write(to: dir.path + "/small.png")
        let wrong = try CommandLineTests.run(["inpaint", dir.path + "/in/a.png", dir.path + "/small.png", "--model", "tiny-inpaint", "--models", models, "-o", dir.path + "/w.png"])
        #expect(wrong.status == 1 && wrong.stderr.contains("a.png is 31x23 but its mask"))
    }

    private func mask(_ w: Int, _ h: Int) throws -> Mask { try Mask(width: w, height: h, isHole: (0..<(w * h)).map { $0 % 3 == 0 }) }

    @Test(.enabled(if: tool != nil, "gantool binary not built")) func evalInpaintEndToEnd() throws {
        let dir = try ScratchFolder()
        let models = dir.path + "/models"
        let folder = try TinyInpaintModel.write(into: models)
        for k in 0..<4 {
            try OutputPlan.prepareFolder(for: "\(dir.path)/photos/p\(k).png")
            try TinyInpaintModel.picture(40 + k, 48).write(to: "\(dir.path)/photos/p\(k).png")
        }
        let run = try CommandLineTests.run(["eval", "inpaint", "--model", "tiny-inpaint", "--models", models, "--images", dir.path + "/photos",
                                            "--masks-out", dir.path + "/masks", "--json", "--record"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try JSONDecoder().decode(InpaintEvaluation.Report.self, from: Data(run.stdout.utf8))
        #expect(report.photos == 4 && report.buckets == ["10-20", "20-30", "30-40", "40-50"])
        #expect(report.rows.map(\.method) == ["GAN tiny-inpaint", "GANKit Telea"])
        #expect(report.rows.allSatisfy { $0.buckets.count == 4 && $0.buckets.allSatisfy { $0.images == 4 && $0.l1 > 0 && $0.ssim < 1 } })
        #expect(report.ganBeatsOpenCV == nil)
        #expect(dir.listing("masks").filter { $0.hasSuffix(".png") }.count == 16)
        let mask = try Mask(contentsOf: dir.path + "/masks/30-40/p2.png")
        #expect(try mask == InpaintEvaluation.mask(seed: 1, bucket: 2, index: 2, width: 42, height: 48))
        let perPhoto = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.path + "/masks/metrics.json"))) as? [String: Any]
        #expect((perPhoto?["images"] as? [Any])?.count == 16)
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/manifest.json"))) as? [String: Any]
        let recorded = (manifest?["evaluation"] as? [String: Any])?["inpaint"] as? [String: Any]
        #expect(recorded?["photos"] as? Int == 4 && recorded?["measuredAt"] != nil)
        #expect(try InpaintingModel(folder: folder).manifest.name == "tiny-inpaint")   // still a valid model folder

        // OpenCV rows merge into the table and decide the goal line; rows of other masks are refused.
        func openCV(seed: Int, l1: Double, ssim: Double) throws -> String {
            let buckets = report.buckets.map { "{\"bucket\": \"\($0)\", \"l1\": \(l1), \"psnr\": 20, \"ssim\": \(ssim), \"images\": 4}" }.joined(separator: ",")
            let path = dir.path + "/opencv-\(seed)-\(l1).json"
            try Data("{\"format\": \"gankit-inpaint-opencv/1\", \"seed\": \(seed), \"photos\": 4, \"radius\": 5, \"rows\": [{\"method\": \"OpenCV TELEA\", \"buckets\": [\(buckets)]}, {\"method\": \"OpenCV NS\", \"buckets\": [\(buckets)]}]}".utf8)
                .write(to: URL(fileURLWithPath: path))
            return path
        }
        let base = ["eval", "inpaint", "--model", "tiny-inpaint", "--models", models, "--images", dir.path + "/photos"]
        let beaten = try CommandLineTests.run(base + ["--opencv", try openCV(seed: 1, l1: 0.9, ssim: -1)])
        #expect(beaten.status == 0 && beaten.stdout.contains("OpenCV NS") && beaten.stdout.contains("every bucket: yes"), "\(beaten.stdout)\(beaten.stderr)")
        let lost = try CommandLineTests.run(base + ["--opencv", try openCV(seed: 1, l1: 0.0001, ssim: 0.99), "--json"])
        let lostReport = try JSONDecoder().decode(InpaintEvaluation.Report.self, from: Data(lost.stdout.utf8))
        #expect(lostReport.ganBeatsOpenCV == false && lostReport.misses.count == 16 && lostReport.rows.count == 4)
        let other = try CommandLineTests.run(base + ["--opencv", try openCV(seed: 2, l1: 0.1, ssim: 0.5)])
        #expect(other.status == 1 && other.stderr.contains("mask seed 2"))
        #expect(try CommandLineTests.run(["eval", "inpaint", "--images", dir.path + "/photos", "--record"]).status != 0)
    }

    @Test(.enabled(if: tool != nil, "gantool binary not built")) func evalInpaintOnExampleSets() throws {
        let dir = try ScratchFolder()
        let models = dir.path + "/models"
        try TinyInpaintModel.write(into: models)
        for set in ["one", "two"] {
            for k in 0..<2 {
                try OutputPlan.prepareFolder(for: "\(dir.path)/ex/\(set)/images/i\(k).png")
                try TinyInpaintModel.picture(33, 30).write(to: "\(dir.path)/ex/\(set)/images/i\(k).png")
                try OutputPlan.prepareFolder(for: "\(dir.path)/ex/\(set)/masks/i\(k).png")
                try mask(33, 30).image.write(to: "\(dir.path)/ex/\(set)/masks/i\(k).png")
            }
        }
        let run = try CommandLineTests.run(["eval", "inpaint", "--model", "tiny-inpaint", "--models", models, "--examples", dir.path + "/ex",
                                            "--examples-out", dir.path + "/fills", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try JSONDecoder().decode(InpaintEvaluation.ExamplesReport.self, from: Data(run.stdout.utf8))
        #expect(report.sets.map(\.name) == ["one", "two"] && report.sets.allSatisfy { $0.pairs == 2 && $0.knownPixelsKept.values.allSatisfy { $0 } && $0.knownPixelsKept.count == 2 })
        #expect(dir.listing("fills").filter { $0.hasSuffix(".png") }.count == 8)
    }

    @Test(.enabled(if: tool != nil, "gantool binary not built")) func catalogListsAndExportCopiesInpaintModels() throws {
        let dir = try ScratchFolder()
        let models = dir.path + "/models"
        let trainer = TinyInpaintModel.trainer()
        try trainer.saveCheckpoint(to: dir.path + "/run")
        // A checkpoint folder, and a run folder's model/.
        let exported = try CommandLineTests.run(["export", dir.path + "/run", "--name", "faces-tiny", "--models", models, "--fp16"])
        #expect(exported.status == 0 && exported.stdout.contains("as inpaint model faces-tiny (F16)"), "\(exported.stderr)")
        try InpaintingModel.write(trainer, name: "from-run", dataset: nil, to: dir.path + "/run2/model")
        #expect(try CommandLineTests.run(["export", dir.path + "/run2", "--name", "second", "--models", models]).status == 0)
        #expect(try CommandLineTests.run(["export", dir.path + "/run2", "--name", "second", "--models", models]).status == 1)   // exists
        let model = try InpaintingModel(folder: models + "/faces-tiny")
        #expect(model.manifest.name == "faces-tiny" && model.manifest.format == "gankit-inpaint/1" && model.manifest.configuration == TinyInpaintModel.configuration)
        let size16 = try FileManager.default.attributesOfItem(atPath: models + "/faces-tiny/generator.safetensors")[.size] as? Int ?? 0
        let size32 = try FileManager.default.attributesOfItem(atPath: models + "/second/generator.safetensors")[.size] as? Int ?? 0
        #expect(size16 > 0 && size16 < size32 * 6 / 10)
        let catalog = ModelCatalog(folder: models, source: .option)
        #expect(catalog.skipped.isEmpty && catalog.models.map(\.name) == ["faces-tiny", "second"])
        #expect(catalog.models.allSatisfy { $0.kind == "gankit-inpaint/1" && $0.architecture == TinyInpaintModel.configuration.architecture && $0.trainingSteps == 0 && $0.problems.isEmpty })
        let listing = try CommandLineTests.run(["models", "--models", models])
        #expect(listing.status == 0 && listing.stdout.contains("faces-tiny") && listing.stdout.contains("gated coarse cnum 4"), "\(listing.stdout)")
        // The exported model inpaints by name.
        let image = try TinyInpaintModel.picture(20, 20)
        let hole = try Mask(width: 20, height: 20, isHole: (0..<400).map { (5..<9).contains($0 % 20) && (5..<12).contains($0 / 20) })
        let filled = try Inpainter(modelNamed: "faces-tiny", models: models).inpaint(image: image, mask: hole)
        #expect(TinyInpaintModel.knownSamplesEqual(filled, image, hole))
    }
}
