import Foundation

/// `gantool eval inpaint`: hole metrics (``HoleMetrics``: L1, PSNR, SSIM inside the hole) of the inpainting GAN and
/// of Telea on held-out photos at their native size, with seeded free-form masks in four hole-ratio buckets, and the
/// OpenCV rows `tools/opencv_inpaint_baseline.py` computes on the same masks.
public enum InpaintEvaluation {
    /// Problems of an evaluation.
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        /// The photo folder holds no image.
        case noPhotos(String)
        /// The OpenCV file cannot be read or was made from other masks.
        case badOpenCV(path: String, detail: String)
        /// A file of `--masks-out` cannot be written.
        case cannotWrite(path: String, detail: String)

        /// A one-line message naming the file.
        public var description: String {
            switch self {
            case let .noPhotos(folder): "\(folder): no PNG or JPEG photo to evaluate on"
            case let .badOpenCV(path, detail): "\(path): \(detail)"
            case let .cannotWrite(path, detail): "\(path): cannot write: \(detail)"
            }
        }
    }

    /// The hole-ratio buckets: 10-20%, 20-30%, 30-40%, 40-50%.
    public static let buckets: [ClosedRange<Double>] = Array(FreeFormMaskGenerator.buckets.prefix(4))

    /// A bucket's label, e.g. `10-20`.
    public static func label(ofBucket b: Int) -> String {
        "\(Int((buckets[b].lowerBound * 100).rounded()))-\(Int((buckets[b].upperBound * 100).rounded()))"
    }

    /// The seed of mask `index` of bucket `bucket` (SplitMix64 of the three numbers): a pure function.
    public static func maskSeed(seed: UInt64, bucket: Int, index: Int) -> UInt64 {
        func mix(_ z0: UInt64) -> UInt64 {
            var z = z0 &+ 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        return mix(mix(mix(seed) ^ UInt64(bucket)) ^ UInt64(index))
    }

    /// Mask `index` of bucket `bucket` for a `width`×`height` photo: a pure function of (seed, bucket, index, size).
    /// - Throws: `InpaintingError` for sizes below 8×8.
    public static func mask(seed: UInt64, bucket: Int, index: Int, width: Int, height: Int) throws(InpaintingError) -> Mask {
        try FreeFormMaskGenerator(width: width, height: height, holeRatio: buckets[bucket]).mask(seed: maskSeed(seed: seed, bucket: bucket, index: index))
    }

    /// Mean hole metrics of one method in one bucket.
    public struct BucketMetrics: Codable, Sendable, Equatable {
        /// The bucket's label (`10-20`).
        public var bucket: String
        /// Mean L1 in [0, 1].
        public var l1: Double
        /// Mean PSNR, dB.
        public var psnr: Double
        /// Mean SSIM.
        public var ssim: Double
        /// Photos averaged.
        public var images: Int
    }

    /// One method's row.
    public struct Row: Codable, Sendable, Equatable {
        /// The method (`GAN <model>`, `GANKit Telea`, `OpenCV TELEA`, `OpenCV NS`).
        public var method: String
        /// Its numbers per bucket, in bucket order.
        public var buckets: [BucketMetrics]
    }

    /// The numbers of one photo and one bucket (written to `--masks-out DIR/metrics.json` for cross-checks).
    public struct PhotoMetrics: Codable, Sendable, Equatable {
        /// The photo's path relative to the photo folder.
        public var photo: String
        /// Σ sample·(i mod 65521 + 1) over the decoded 8-bit RGB samples (row-major, interleaved): tells whether
        /// another decoder read the same pixels.
        public var checksum: Int64
        /// The bucket's label.
        public var bucket: String
        /// The mask file, relative to the masks folder.
        public var mask: String
        /// The hole's fraction of the photo.
        public var holeRatio: Double
        /// The metrics of a fill with mid-gray (128): a definition check any implementation can reproduce exactly.
        public var gray: HoleMetrics
        /// Each method's metrics.
        public var methods: [String: HoleMetrics]
    }

    /// What `gantool eval inpaint` reports.
    public struct Report: Codable, Sendable, Equatable {
        /// The photo folder.
        public var directory: String
        /// Photos measured (each with one mask per bucket).
        public var photos: Int
        /// The mask seed.
        public var seed: UInt64
        /// Telea's radius.
        public var radius: Int
        /// The GAN's model folder, when one was measured.
        public var model: String?
        /// The bucket labels.
        public var buckets: [String]
        /// Rows: the GAN, GANKit Telea, then the OpenCV rows merged from `--opencv`.
        public var rows: [Row]
        /// Whether the GAN beats both OpenCV methods on L1 and SSIM in every bucket (nil without OpenCV rows or GAN).
        public var ganBeatsOpenCV: Bool?
        /// The (bucket, metric, OpenCV method) comparisons the GAN lost.
        public var misses: [String]

        /// A readable table: rows = methods, columns = buckets × L1/PSNR/SSIM; then the goal line.
        public var table: String {
            var lines = ["\(photos) photos of \(directory), native size, one seeded free-form mask per bucket (seed \(seed)); metrics inside the hole"]
            let width = max(14, rows.map(\.method.count).max() ?? 0)
            var head = "method".padding(toLength: width, withPad: " ", startingAt: 0)
            var sub = String(repeating: " ", count: width)
            for b in buckets {
                head += " | " + "holes \(b)%".padding(toLength: 20, withPad: " ", startingAt: 0)
                sub += " | " + "    L1   PSNR   SSIM"
            }
            lines += [head, sub, String(repeating: "-", count: sub.count)]
            for row in rows {
                var line = row.method.padding(toLength: width, withPad: " ", startingAt: 0)
                for b in buckets {
                    if let m = row.buckets.first(where: { $0.bucket == b }) {
                        line += " | " + String(format: "%6.4f %6.2f %6.4f", m.l1, m.psnr, m.ssim)
                    } else {
                        line += " | " + "     -      -      -"
                    }
                }
                lines.append(line)
            }
            if let ganBeatsOpenCV {
                lines.append("goal: the GAN beats OpenCV TELEA and NS on L1 and SSIM in every bucket: \(ganBeatsOpenCV ? "yes" : "no")"
                             + (misses.isEmpty ? "" : " (lost: \(misses.joined(separator: "; ")))"))
            } else {
                lines.append("goal: not judged (needs the GAN and --opencv rows)")
            }
            return lines.joined(separator: "\n")
        }

        /// JSON, pretty-printed with sorted keys (infinite PSNR written as "Infinity").
        public var json: Data {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
            return (try? encoder.encode(self)) ?? Data("{}".utf8)
        }
    }

    /// The photos of `directory` (recursively, sorted), the first `limit`.
    public static func photos(in directory: String, limit: Int?) throws(Failure) -> [BatchInput] {
        var inputs = BatchInputs.expand([directory], recursive: true).inputs
        if let limit { inputs = Array(inputs.prefix(limit)) }
        if inputs.isEmpty { throw .noPhotos(directory) }
        return inputs
    }

    /// The checksum of ``PhotoMetrics/checksum``.
    public static func checksum(_ image: Image) -> Int64 {
        let rgb = image.converted(to: .uint8).converted(to: .rgb)
        var sum: Int64 = 0
        for (i, s) in rgb.samples.enumerated() { sum += Int64(s) * Int64(i % 65521 + 1) }
        return sum
    }

    /// Measures `gan` (when given) and Telea (radius `radius`) on the photos of `directory`: photo k (in sorted order)
    /// gets mask k of every bucket; the hole is painted white before a method sees the photo. With `masksOut`, writes
    /// every mask as `masksOut/<bucket>/<photo path without extension>.png` (white = hole) and the per-photo numbers as
    /// `masksOut/metrics.json`.
    /// - Throws: `Failure`, `ImageIOError`, `InpaintingError`.
    public static func run(gan: Inpainter?, directory: String, limit: Int? = nil, seed: UInt64 = 1, radius: Int = 5,
                           masksOut: String? = nil, progress: (String) -> Void = { _ in }) throws -> Report {
        let inputs = try photos(in: directory, limit: limit)
        let telea = Inpainter(method: .telea, radius: radius)
        let methods: [(String, Inpainter)] = (gan.map { [("GAN \($0.modelManifest?.name ?? "model")", $0)] } ?? []) + [("GANKit Telea", telea)]
        // Photos are measured on all cores (the GAN's calls are serialised by its Inpainter, Telea and the metrics run
        // side by side); results are kept in photo order, so the report does not depend on the scheduling.
        let start = Date()
        let lock = NSLock()
        nonisolated(unsafe) let report = progress   // called under the lock only
        nonisolated(unsafe) var slots = [Result<[PhotoMetrics], Error>?](repeating: nil, count: inputs.count)
        nonisolated(unsafe) var done = 0
        DispatchQueue.concurrentPerform(iterations: inputs.count) { k in
            let measured = Result { () throws -> [PhotoMetrics] in
                try measure(photo: inputs[k], index: k, methods: methods, seed: seed, masksOut: masksOut)
            }
            lock.withLock {
                slots[k] = measured
                done += 1
                if done % 25 == 0 || done == inputs.count {
                    report(String(format: "[%d/%d] photos measured (%.0f s)", done, inputs.count, Date().timeIntervalSince(start)))
                }
            }
        }
        var perPhoto: [PhotoMetrics] = []
        for slot in slots { perPhoto += try slot!.get() }
        if let masksOut {
            let path = "\(masksOut)/metrics.json"
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
            struct File: Encodable { var format = "gankit-inpaint-eval-masks/1"; var seed: UInt64; var photos: Int; var directory: String; var buckets: [String]; var images: [PhotoMetrics] }
            do {
                let bytes = try encoder.encode(File(seed: seed, photos: inputs.count, directory: directory, buckets: buckets.indices.map(label(ofBucket:)), images: perPhoto))
                try FileAccess.writeAtomically(Array(bytes), to: path)
            } catch { throw Failure.cannotWrite(path: path, detail: "\(error)") }
        }
        let rows = methods.map { name, _ in
            Row(method: name, buckets: buckets.indices.map { b in
                let values = perPhoto.filter { $0.bucket == label(ofBucket: b) }.compactMap { $0.methods[name] }
                let n = Double(values.count)
                return BucketMetrics(bucket: label(ofBucket: b), l1: values.reduce(0) { $0 + $1.l1 } / n, psnr: values.reduce(0) { $0 + $1.psnr } / n,
                                     ssim: values.reduce(0) { $0 + $1.ssim } / n, images: values.count)
            })
        }
        return Report(directory: directory, photos: inputs.count, seed: seed, radius: radius, model: gan?.modelFolder,
                      buckets: buckets.indices.map(label(ofBucket:)), rows: rows, ganBeatsOpenCV: nil, misses: [])
    }

    /// Photo `k`'s numbers in every bucket: its masks (written to `masksOut` when given), the holed photo each method
    /// fills, and the metrics inside the hole.
    static func measure(photo input: BatchInput, index k: Int, methods: [(String, Inpainter)], seed: UInt64,
                        masksOut: String?) throws -> [PhotoMetrics] {
        let photo = try Image(contentsOf: input.path).converted(to: .uint8).converted(to: .rgb)
        let sum = checksum(photo)
        var perBucket: [PhotoMetrics] = []
        for b in buckets.indices {
            let mask = try mask(seed: seed, bucket: b, index: k, width: photo.width, height: photo.height)
            let stem = PathName(input.relativePath).deletingExtension
            let maskName = "\(label(ofBucket: b))/\(stem).png"
            if let masksOut {
                let path = "\(masksOut)/\(maskName)"
                do {
                    try OutputPlan.prepareFolder(for: path)
                    try FileAccess.writeAtomically(mask.image.encoded(as: .png), to: path)
                } catch { throw Failure.cannotWrite(path: path, detail: "\(error)") }
            }
            var holed = photo, gray = photo
            for p in 0..<mask.isHole.count where mask.isHole[p] {
                for c in 0..<3 { holed[x: p % photo.width, y: p / photo.width, channel: c] = 255; gray[x: p % photo.width, y: p / photo.width, channel: c] = 128 }
            }
            var results: [String: HoleMetrics] = [:]
            for (name, inpainter) in methods {
                results[name] = try HoleMetrics(result: inpainter.inpaint(image: holed, mask: mask), reference: photo, mask: mask)
            }
            perBucket.append(PhotoMetrics(photo: input.relativePath, checksum: sum, bucket: label(ofBucket: b), mask: maskName,
                                          holeRatio: mask.holeFraction, gray: try HoleMetrics(result: gray, reference: photo, mask: mask),
                                          methods: results))
        }
        return perBucket
    }

    /// The file `tools/opencv_inpaint_baseline.py --masks DIR` writes.
    public struct OpenCVFile: Codable, Sendable {
        /// `gankit-inpaint-opencv/1`.
        public var format: String
        /// The mask seed of the masks it read (from their `metrics.json`).
        public var seed: UInt64
        /// Photos measured.
        public var photos: Int
        /// Telea/NS radius.
        public var radius: Int
        /// Its rows (`OpenCV TELEA`, `OpenCV NS`).
        public var rows: [Row]
    }

    /// Adds the rows of an OpenCV file to `report` and judges the goal.
    /// - Throws: `Failure.badOpenCV` when the file is unreadable or was made from other photos, seed or radius.
    public static func merge(openCV path: String, into report: inout Report) throws(Failure) {
        let file: OpenCVFile
        do {
            let decoder = JSONDecoder()
            decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
            file = try decoder.decode(OpenCVFile.self, from: Data(try FileAccess.readAll(path)))
        } catch { throw .badOpenCV(path: path, detail: "not an OpenCV baseline file (\(error))") }
        guard file.format == "gankit-inpaint-opencv/1" else { throw .badOpenCV(path: path, detail: "format \(file.format), expected gankit-inpaint-opencv/1") }
        guard file.seed == report.seed, file.photos == report.photos else {
            throw .badOpenCV(path: path, detail: "made from \(file.photos) photos with mask seed \(file.seed), but this evaluation has \(report.photos) photos and seed \(report.seed): rerun the script on this run's --masks-out")
        }
        if file.radius != report.radius { throw .badOpenCV(path: path, detail: "radius \(file.radius), but this evaluation's Telea uses \(report.radius)") }
        report.rows += file.rows.filter { row in !report.rows.contains { $0.method == row.method } }
        judge(&report)
    }

    /// Sets `ganBeatsOpenCV` and `misses` from the rows.
    static func judge(_ report: inout Report) {
        guard let gan = report.rows.first(where: { $0.method.hasPrefix("GAN ") }) else { return }
        let openCV = report.rows.filter { $0.method.hasPrefix("OpenCV") }
        guard !openCV.isEmpty else { return }
        var misses: [String] = []
        for b in report.buckets {
            guard let g = gan.buckets.first(where: { $0.bucket == b }) else { continue }
            for row in openCV {
                guard let o = row.buckets.first(where: { $0.bucket == b }) else { misses.append("\(b)%: no \(row.method) numbers"); continue }
                if !(g.l1 < o.l1) { misses.append(String(format: "%@%%: L1 %.4f vs %@ %.4f", b, g.l1, row.method, o.l1)) }
                if !(g.ssim > o.ssim) { misses.append(String(format: "%@%%: SSIM %.4f vs %@ %.4f", b, g.ssim, row.method, o.ssim)) }
            }
        }
        report.ganBeatsOpenCV = misses.isEmpty
        report.misses = misses
    }
}

extension InpaintEvaluation {
    /// One set of `inpaint-examples` (celeba, places2, psv) and what each method did on it.
    public struct ExampleSet: Codable, Sendable, Equatable {
        /// The set's folder name.
        public var name: String
        /// Image/mask pairs.
        public var pairs: Int
        /// Mean hole fraction.
        public var holeRatio: Double
        /// Per method: whether every known sample of every output equals the input's.
        public var knownPixelsKept: [String: Bool]
        /// Per method: seconds spent.
        public var seconds: [String: Double]
    }

    /// What `gantool eval inpaint --examples DIR` reports. The example images come with their holes already painted
    /// white, so there is no ground truth inside the hole: the report checks the contract (sizes, known pixels kept)
    /// and `--examples-out` keeps the fills for looking at; quality numbers come from the photo evaluation.
    public struct ExamplesReport: Codable, Sendable, Equatable {
        /// The examples folder.
        public var directory: String
        /// The sets, sorted by name.
        public var sets: [ExampleSet]

        /// A readable table.
        public var table: String {
            var lines = ["inpaint examples in \(directory) (holes pre-painted white: no ground truth inside the hole; fills kept with --examples-out)"]
            for set in sets {
                lines.append(String(format: "%@: %d pairs, holes %.1f%%", set.name, set.pairs, 100 * set.holeRatio))
                for (method, kept) in set.knownPixelsKept.sorted(by: { $0.key < $1.key }) {
                    lines.append(String(format: "  %@: known pixels kept %@, %.2f s", method, kept ? "yes" : "NO", set.seconds[method] ?? 0))
                }
            }
            return lines.joined(separator: "\n")
        }
    }

    /// Runs `gan` (when given) and Telea on every `SET/images/NAME.png` + `SET/masks/NAME.png` of `directory`
    /// (white = hole); with `output`, writes each fill to `output/<method>/<SET>/NAME.png`.
    /// - Throws: `Failure`, `ImageIOError`, `InpaintingError`, `InpaintFileError`.
    public static func examples(gan: Inpainter?, directory: String, radius: Int = 5, output: String? = nil,
                                progress: (String) -> Void = { _ in }) throws -> ExamplesReport {
        let fm = FileManager.default
        let names = ((try? fm.contentsOfDirectory(atPath: directory)) ?? []).filter { fm.fileExists(atPath: "\(directory)/\($0)/images") }.sorted()
        if names.isEmpty { throw Failure.noPhotos("\(directory) (no SET/images folder)") }
        var methods: [(String, String, Inpainter)] = [("GANKit Telea", "telea", Inpainter(method: .telea, radius: radius))]
        if let gan { methods.insert(("GAN \(gan.modelManifest?.name ?? "model")", "gan", gan), at: 0) }
        let job = InpaintJob()
        var sets: [ExampleSet] = []
        for name in names {
            let images = BatchInputs.expand(["\(directory)/\(name)/images"], recursive: false).inputs
            let pairing = MaskPairing(folder: "\(directory)/\(name)/masks")
            var set = ExampleSet(name: name, pairs: 0, holeRatio: 0, knownPixelsKept: [:], seconds: [:])
            for input in images {
                let image = try Image(contentsOf: input.path)
                let mask = try job.loadMask(.file(try pairing.mask(for: input)), for: image, imagePath: input.path)
                set.pairs += 1
                set.holeRatio += mask.holeFraction
                for (label, folder, inpainter) in methods {
                    let start = Date()
                    let filled = try inpainter.inpaint(image: image, mask: mask)
                    set.seconds[label, default: 0] += Date().timeIntervalSince(start)
                    var kept = filled.width == image.width && filled.height == image.height && filled.layout == image.layout
                    if kept { for p in 0..<mask.isHole.count where !mask.isHole[p] { for c in 0..<image.channelCount where filled[x: p % image.width, y: p / image.width, channel: c] != image[x: p % image.width, y: p / image.width, channel: c] { kept = false } } }
                    set.knownPixelsKept[label] = (set.knownPixelsKept[label] ?? true) && kept
                    if let output {
                        let path = "\(output)/\(folder)/\(name)/\(PathName(input.relativePath).deletingExtension).png"
                        do {
                            try OutputPlan.prepareFolder(for: path)
                            try FileAccess.writeAtomically(filled.encoded(as: .png), to: path)
                        } catch { throw Failure.cannotWrite(path: path, detail: "\(error)") }
                    }
                }
            }
            if set.pairs > 0 { set.holeRatio /= Double(set.pairs) }
            progress("\(name): \(set.pairs) pairs")
            sets.append(set)
        }
        return ExamplesReport(directory: directory, sets: sets)
    }
}
