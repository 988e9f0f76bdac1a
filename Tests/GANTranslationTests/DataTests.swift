import Foundation
import Testing
import GANCore
import GANImageIO
@testable import GANTranslation

/// A fresh temporary folder, removed by the caller.
func temporaryFolder() -> String {
    let path = NSTemporaryDirectory() + "gantranslation-\(UUID().uuidString)"
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A gradient test image.
func testImage(width: Int, height: Int, layout: ChannelLayout = .rgb, sampleType: SampleType = .uint8, tint: Int = 0) -> Image {
    let c = layout.channelCount, maxValue = sampleType.maxValue
    var samples = [UInt16](repeating: 0, count: width * height * c)
    for y in 0..<height { for x in 0..<width { for k in 0..<c {
        samples[(y * width + x) * c + k] = UInt16((x * 7 + y * 13 + k * 50 + tint) * maxValue / (width * 7 + height * 13 + 150 + tint))
    } } }
    return try! Image(width: width, height: height, layout: layout, sampleType: sampleType, samples: samples)
}

final class WarningLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ s: String) { lock.lock(); items.append(s); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return items }
}

@Suite struct DataTests {
    @Test func preprocessingSizes() throws {
        var rng = CheckpointableGenerator(seed: 1)
        let image = testImage(width: 64, height: 48)
        #expect(try Preprocessing.resizeAndCrop(loadSize: 40, cropSize: 32).apply(to: image, flip: true, using: &rng).width == 32)
        let scaled = try Preprocessing.scaleWidth(loadSize: 32, cropSize: nil).apply(to: image, flip: false, using: &rng)
        #expect((scaled.width, scaled.height) == (32, 24))
        let cropped = try Preprocessing.scaleWidth(loadSize: 40, cropSize: 28).apply(to: image, flip: false, using: &rng)
        #expect((cropped.width, cropped.height) == (28, 28))
        let kept = try Preprocessing.none.apply(to: testImage(width: 30, height: 22), flip: false, using: &rng)
        #expect((kept.width, kept.height) == (32, 24))
        let same = try Preprocessing.none.apply(to: image, flip: false, using: &rng)
        #expect(same == image)
    }

    @Test func flipHappensAboutHalfTheTime() throws {
        var rng = CheckpointableGenerator(seed: 2)
        let image = testImage(width: 8, height: 4)
        var flips = 0
        for _ in 0..<200 where try Preprocessing.none.apply(to: image, flip: true, using: &rng) != image { flips += 1 }
        #expect(flips > 70 && flips < 130)
    }

    @Test func folderYieldsRGBTensorsInASeededOrderAndSkipsBadFiles() throws {
        let root = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        for d in ["A", "B"] { try FileManager.default.createDirectory(atPath: root + "/" + d, withIntermediateDirectories: true) }
        try testImage(width: 40, height: 30, layout: .gray).write(to: root + "/A/gray.png")
        try testImage(width: 36, height: 36, layout: .rgba, sampleType: .uint16).write(to: root + "/A/rgba16.png")
        try testImage(width: 50, height: 40, tint: 3).write(to: root + "/A/rgb.jpg")
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: root + "/A/broken.png"))
        for k in 0..<5 { try testImage(width: 32 + k * 4, height: 32, tint: k).write(to: root + "/B/b\(k).png") }
        let log = WarningLog()
        let make = { () throws -> UnpairedImageFolder in
            try UnpairedImageFolder(pathsA: UnpairedImageFolder.imagePaths(in: root + "/A"), pathsB: UnpairedImageFolder.imagePaths(in: root + "/B"),
                                    preprocessing: .resizeAndCrop(loadSize: 24, cropSize: 16), seed: 9, warn: { log.add($0) })
        }
        var data = try make()
        #expect(data.pathsA.count == 4 && data.count == 5)
        var first: [Tensor] = []
        for i in 0..<data.count {
            let pair = try data.pair(epoch: 0, index: i)
            #expect(pair.a.shape == [1, 3, 16, 16] && pair.b.shape == [1, 3, 16, 16])
            #expect(pair.a.scalars.allSatisfy { $0 >= -1 && $0 <= 1 })
            #expect(!pair.pathA.hasSuffix("broken.png"))
            first.append(pair.a)
        }
        #expect(log.all.count == 1 && log.all[0].contains("broken.png"))
        var again = try make()
        #expect(try again.pair(epoch: 0, index: 3).a == first[3])
        #expect(data.order(domain: 1, epoch: 0) != data.order(domain: 1, epoch: 1) || data.order(domain: 0, epoch: 0) != data.order(domain: 0, epoch: 1))
        #expect(Set(data.order(domain: 1, epoch: 2)) == Set(0..<5))
    }

    @Test func emptyDomainIsAnError() {
        #expect(throws: DataError.emptyDomain("B")) { try UnpairedImageFolder(pathsA: ["x.png"], pathsB: []) }
    }
}
