import Foundation
import Testing
@testable import GANKit

/// A w x h image whose samples vary with position, and a mask with a hole where `hole` says.
private func picture(_ w: Int, _ h: Int, layout: ChannelLayout = .rgb) throws -> Image {
    let n = layout.channelCount
    return try Image(width: w, height: h, layout: layout, samples: (0..<(w * h * n)).map { i in
        let p = i / n, c = i % n
        return layout.hasAlpha && c == n - 1 ? 255 : UInt16((3 * (p % w) + 5 * (p / w) + 40 * c) % 256)
    })
}

private func maskImage(_ w: Int, _ h: Int, _ hole: (Int, Int) -> Bool) throws -> Image {
    try Image(width: w, height: h, layout: .gray, samples: (0..<(w * h)).map { hole($0 % w, $0 / w) ? 255 : 0 })
}

private func write(_ image: Image, _ dir: ScratchFolder, _ name: String) throws -> String {
    let path = dir.path + "/" + name
    try OutputPlan.prepareFolder(for: path)
    try image.write(to: path)
    return path
}

struct InpainterFacadeTests {
    @Test func inpainterKeepsKnownPixelsAndFillsTheHole() throws {
        let image = try picture(24, 16)
        let mask = try Mask(image: maskImage(24, 16) { x, y in (8..<14).contains(x) && (5..<10).contains(y) })
        var holed = image
        for p in 0..<(24 * 16) where mask.isHole[p] { for c in 0..<3 { holed[x: p % 24, y: p / 24, channel: c] = 255 } }
        let filled = try Inpainter().inpaint(image: holed, mask: mask)
        for p in 0..<(24 * 16) where !mask.isHole[p] { for c in 0..<3 { #expect(filled[x: p % 24, y: p / 24, channel: c] == image[x: p % 24, y: p / 24, channel: c]) } }
        let metrics = try HoleMetrics(result: filled, reference: image, mask: mask)
        #expect(metrics.l1 < 0.05)                 // a smooth picture: the fill is close
        #expect(Inpainter.Method.allCases == [.telea, .gan])
    }

    @Test func masksPairByName() throws {
        let dir = try ScratchFolder()
        let m = try maskImage(4, 4) { x, _ in x == 0 }
        _ = try write(m, dir, "masks/a.png"); _ = try write(m, dir, "masks/sub/b.png"); _ = try write(m, dir, "masks/c.png"); _ = try write(m, dir, "masks/c.jpg")
        let pairing = MaskPairing(folder: dir.path + "/masks")
        #expect(try pairing.mask(for: BatchInput(path: "x/a.jpg", relativePath: "a.jpg")) == dir.path + "/masks/a.png")
        #expect(try pairing.mask(for: BatchInput(path: "x/sub/b.png", relativePath: "sub/b.png")) == dir.path + "/masks/sub/b.png")
        #expect(try pairing.mask(for: BatchInput(path: "x/b.png", relativePath: "b.png")) == dir.path + "/masks/sub/b.png")
        #expect(throws: InpaintFileError.noMask(image: "x/d.png", folder: dir.path + "/masks")) {
            try pairing.mask(for: BatchInput(path: "x/d.png", relativePath: "d.png"))
        }
        #expect(throws: InpaintFileError.self) { try pairing.mask(for: BatchInput(path: "x/c.png", relativePath: "c.png")) }
    }
}

/// `gantool inpaint` end to end.
struct InpaintCommandTests {
    static var tool: String? { CommandLineTests.tool }

    @Test(.enabled(if: tool != nil, "gantool binary not built")) func onePairKeepsSizeFormatAndKnownPixels() throws {
        let dir = try ScratchFolder()
        let image = try write(picture(30, 20), dir, "photo.png")
        let mask = try write(maskImage(30, 20) { x, y in (10..<18).contains(x) && (6..<12).contains(y) }, dir, "mask.png")
        let result = try CommandLineTests.run(["inpaint", image, mask, "-q"])
        #expect(result.status == 0, "\(result.stderr)")
        let out = try Image(contentsOf: dir.path + "/photo-inpainted.png")
        let original = try Image(contentsOf: image), holes = try Mask(contentsOf: mask)
        #expect(out.width == 30 && out.height == 20 && out.layout == .rgb)
        for p in 0..<600 where !holes.isHole[p] { for c in 0..<3 { #expect(out[x: p % 30, y: p / 30, channel: c] == original[x: p % 30, y: p / 30, channel: c]) } }

        let jpeg = try write(picture(30, 20), dir, "photo.jpg")
        #expect(try CommandLineTests.run(["inpaint", jpeg, mask, "-o", dir.path + "/out/", "-q"]).status == 0)
        #expect(try ImageInfo(contentsOf: dir.path + "/out/photo.jpg").format == .jpeg)
    }

    @Test(.enabled(if: tool != nil, "gantool binary not built")) func badMasksGetSpecificMessages() throws {
        let dir = try ScratchFolder()
        let image = try write(picture(30, 20), dir, "photo.png")
        let small = try write(maskImage(10, 10) { x, _ in x == 0 }, dir, "small.png")
        let empty = try write(maskImage(30, 20) { _, _ in false }, dir, "empty.png")
        let full = try write(maskImage(30, 20) { _, _ in true }, dir, "full.png")
        let wrong = try CommandLineTests.run(["inpaint", image, small, "-o", dir.path + "/o.png"])
        #expect(wrong.status == 1 && wrong.stderr.contains("photo.png is 30x20 but its mask") && wrong.stderr.contains("small.png is 10x10"))
        // An empty mask is an error only when asked (--fail-on-empty-mask); by default the image is copied unchanged.
        let none = try CommandLineTests.run(["inpaint", image, empty, "-o", dir.path + "/o.png", "--fail-on-empty-mask"])
        #expect(none.status == 1 && none.stderr.contains("empty.png: the mask marks no pixel to fill"))
        let all = try CommandLineTests.run(["inpaint", image, full, "-o", dir.path + "/o.png"])
        #expect(all.status == 1 && all.stderr.contains("full.png: the mask covers the whole 30x20 image"))
        // Inverting the full mask leaves nothing to fill; inverting the empty one covers everything.
        #expect(try CommandLineTests.run(["inpaint", image, full, "--invert-mask", "-o", dir.path + "/o.png", "--fail-on-empty-mask"])
            .stderr.contains("marks no pixel"))
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/o.png"))
        let copied = try CommandLineTests.run(["inpaint", image, empty, "-o", dir.path + "/o.png"])
        #expect(copied.status == 0 && copied.stderr.contains("its mask has no hole; copied unchanged"), "\(copied.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.path + "/o.png")) == Data(contentsOf: URL(fileURLWithPath: image)),
                "the same bytes as the input")
        try FileManager.default.removeItem(atPath: dir.path + "/o.png")
        #expect(try CommandLineTests.run(["inpaint", image, small, "--method", "gan"]).status != 0)
        #expect(try CommandLineTests.run(["inpaint", image]).status != 0)
    }

    @Test(.enabled(if: tool != nil, "gantool binary not built")) func batchPairsByNameAndReportsMissingMasks() throws {
        let dir = try ScratchFolder()
        for name in ["a", "b", "c"] { _ = try write(picture(16, 12), dir, "in/\(name).png") }
        _ = try write(maskImage(16, 12) { x, y in x == 5 || y == 3 }, dir, "masks/a.png")
        _ = try write(maskImage(16, 12) { x, _ in x > 10 }, dir, "masks/b.jpg")
        let result = try CommandLineTests.run(["inpaint", dir.path + "/in", "--masks", dir.path + "/masks", "-o", dir.path + "/out", "--json"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("c.png: no mask with this name") && result.stderr.contains("[3/3]"))
        let summary = try JSONDecoder().decode(BatchSummary.self, from: Data(result.stdout.utf8))
        #expect(summary.done == 2 && summary.failed == 1)
        #expect(dir.listing("out") == ["a.png", "b.png"])
        // One mask file for every image, given as --masks FILE or as IMAGE-FOLDER MASK.
        let shared = try CommandLineTests.run(["inpaint", dir.path + "/in", "--masks", dir.path + "/masks/a.png", "-o", dir.path + "/shared", "-q"])
        #expect(shared.status == 0 && dir.listing("shared") == ["a.png", "b.png", "c.png"])
        let pair = try CommandLineTests.run(["inpaint", dir.path + "/in", dir.path + "/masks/a.png", "-o", dir.path + "/pair", "-q"])
        #expect(pair.status == 0 && dir.listing("pair") == ["a.png", "b.png", "c.png"])
        let again = try CommandLineTests.run(["inpaint", dir.path + "/in/a.png", "--masks", dir.path + "/masks", "-o", dir.path + "/out", "--skip-existing", "--json", "-q"])
        let skipped = try JSONDecoder().decode(BatchSummary.self, from: Data(again.stdout.utf8)).skipped
        #expect(again.status == 0 && skipped == 1)
    }

    @Test(.enabled(if: tool != nil, "gantool binary not built")) func maskFromAlphaFillsTransparentPixelsAndMakesThemOpaque() throws {
        let dir = try ScratchFolder()
        var image = try picture(20, 14, layout: .rgba)
        for y in 4..<9 { for x in 6..<12 { image[x: x, y: y, channel: 3] = 0 } }
        let path = try write(image, dir, "cut.png")
        let result = try CommandLineTests.run(["inpaint", path, "--mask-from-alpha", "-o", dir.path + "/filled", "-q"])
        #expect(result.status == 0, "\(result.stderr)")
        let out = try Image(contentsOf: dir.path + "/filled/cut.png")
        #expect(out.layout == .rgba && out.samples.enumerated().allSatisfy { $0.offset % 4 != 3 || $0.element == 255 })
        let opaque = try write(picture(20, 14), dir, "opaque.png")
        #expect(try CommandLineTests.run(["inpaint", opaque, "--mask-from-alpha", "-o", dir.path + "/filled"]).stderr.contains("no alpha channel"))
    }
}
