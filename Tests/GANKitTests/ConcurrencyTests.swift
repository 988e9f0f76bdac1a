import Foundation
import Testing
import GANCore
import GANTranslation
@testable import GANKit

/// The facade called from 8 threads at once gives exactly what serial calls give.
///
/// Each facade object is shared by all threads (one translator, one inpainter, one conditional
/// model), as a media pipeline would share a loaded model; every thread runs every kind of call.
@Suite struct ConcurrencyTests {
    static let threads = 8

    /// Runs `work(k)` for k in 0..<8 on 8 threads of their own, released together, and returns
    /// the results in order.
    static func concurrently<T: Sendable>(_ work: @escaping @Sendable (Int) throws -> T) -> [Result<T, any Error>] {
        let results = ResultSlots<T>(count: threads)
        let ready = DispatchSemaphore(value: 0), go = DispatchSemaphore(value: 0), done = DispatchGroup()
        for k in 0..<threads {
            done.enter()
            let thread = Thread {
                ready.signal()
                go.wait()
                results.set(k, Result { try work(k) })
                done.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        for _ in 0..<threads { ready.wait() }
        for _ in 0..<threads { go.signal() }
        done.wait()
        return results.values
    }

    /// A test image whose content depends on `k`, so that threads translate different pictures.
    static func picture(_ k: Int, width: Int = 45, height: Int = 38, alpha: Bool = false) throws -> Image {
        let channels = alpha ? 4 : 3
        var samples = [UInt16](repeating: 0, count: width * height * channels)
        for i in samples.indices { samples[i] = UInt16((i * (7 + k) + k * 31 + (i / channels) % 13 * 9) % 256) }
        return try Image(width: width, height: height, layout: alpha ? .rgba : .rgb, sampleType: .uint8, samples: samples)
    }

    @Test func translatorGivesSerialResultsFromEightThreads() throws {
        var options = CycleGANOptions()
        options.ngf = 8; options.ndf = 8; options.resnetBlocks = 2  // 32-channel blocks: the Winograd path
        let model = CycleGANModel(options: options, seed: 3)
        // Tiles of 24 with overlap 8 on 45×38 images: several tiles per image, blended.
        let translator = Translator(generator: model.generatorA, tileSize: 24, overlap: 8)
        let inputs = try (0..<Self.threads).map { try Self.picture($0, alpha: $0 % 2 == 1) }
        // The first parallel round meets cold caches (the Winograd transforms of the weights).
        var rounds = [Self.concurrently { k in try translator.translate(inputs[k]) }]
        let serial = try inputs.map { try translator.translate($0) }
        rounds.append(Self.concurrently { k in try translator.translate(inputs[k]) })
        for parallel in rounds {
            for k in 0..<Self.threads { #expect(try parallel[k].get() == serial[k], "thread \(k)") }
        }
    }

    @Test func inpainterGivesSerialResultsFromEightThreads() throws {
        let inpainter = Inpainter(method: .telea, radius: 4)
        let inputs = try (0..<Self.threads).map { try Self.picture($0) }
        let masks = try (0..<Self.threads).map { k in
            try Mask(width: 45, height: 38, isHole: (0..<(45 * 38)).map { i in (i % 45 - 10 - k).magnitude < 6 && (i / 45 - 15).magnitude < 9 })
        }
        let serial = try (0..<Self.threads).map { try inpainter.inpaint(image: inputs[$0], mask: masks[$0]) }
        let parallel = Self.concurrently { k in try inpainter.inpaint(image: inputs[k], mask: masks[k]) }
        for k in 0..<Self.threads { #expect(try parallel[k].get() == serial[k], "thread \(k)") }
    }

    @Test func fileJobsGiveSerialResultsFromEightThreads() throws {
        let dir = try ScratchFolder()
        var options = CycleGANOptions()
        options.ngf = 4; options.ndf = 4; options.resnetBlocks = 1
        try TranslationModel.export(CycleGANModel(options: options, seed: 5),
                                    manifest: TranslationManifest(name: "a2b", domainA: "a", domainB: "b", options: options),
                                    to: dir.path + "/models/a2b")
        let job = try TranslationJob(model: TranslationModel(folder: dir.path + "/models/a2b"), generator: "G_A")
        let conversion = ImageConversion(format: .jpeg, resize: ResizeSpec("30x"))
        try FileManager.default.createDirectory(atPath: dir.path + "/in", withIntermediateDirectories: true)
        for k in 0..<Self.threads {
            try FileAccess.writeAtomically(Self.picture(k).encoded(as: .png), to: dir.path + "/in/\(k).png")
        }
        func outputs(_ tag: String) throws -> [[UInt8]] {
            try (0..<Self.threads).flatMap { k in
                [try FileAccess.readAll(dir.path + "/\(tag)/t\(k).png"), try FileAccess.readAll(dir.path + "/\(tag)/c\(k).jpg")]
            }
        }
        for k in 0..<Self.threads {
            try job.run(input: dir.path + "/in/\(k).png", output: dir.path + "/serial/t\(k).png")
            try conversion.run(input: dir.path + "/in/\(k).png", output: dir.path + "/serial/c\(k).jpg")
        }
        let root = dir.path
        let parallel = Self.concurrently { k in
            try job.run(input: root + "/in/\(k).png", output: root + "/parallel/t\(k).png")
            try conversion.run(input: root + "/in/\(k).png", output: root + "/parallel/c\(k).jpg")
        }
        for (k, result) in parallel.enumerated() { #expect(throws: Never.self, "thread \(k)") { try result.get() } }
        #expect(try outputs("parallel") == outputs("serial"))
    }

    @Test func conditionalModelGivesSerialResultsFromEightThreads() throws {
        let dir = try ScratchFolder()
        try ConditionalCommandTests.trainTinyModel(in: dir.path + "/model", data: dir.path)
        let model = try LabelConditionalModel(directory: dir.path + "/model")
        let serial = try (0..<Self.threads).map { try model.images(label: $0 % 10, count: 2, seed: UInt64($0)) }
        let parallel = Self.concurrently { k in try model.images(label: k % 10, count: 2, seed: UInt64(k)) }
        for k in 0..<Self.threads { #expect(try parallel[k].get() == serial[k], "thread \(k)") }
    }
}

/// One result slot per thread, written under a lock.
private final class ResultSlots<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<T, any Error>?]
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ k: Int, _ value: Result<T, any Error>) { lock.withLock { slots[k] = value } }
    var values: [Result<T, any Error>] { lock.withLock { slots.map { $0! } } }
}
