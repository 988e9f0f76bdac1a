import Foundation
import Testing
@testable import GANKit

/// Shipped manifests name their training data by dataset, part and checksum file, never by a path of the machine that
/// trained them.
struct ManifestDatasetTests {
    @Test func recordsNameSplitAndChecksums() throws {
        let dir = try ScratchFolder()
        try dir.image("data/faces/train/a.png")
        _ = try dir.file("data/faces/SHA256SUMS", "")
        #expect(DatasetRecord.describe(dir.path + "/data/faces/train") == "faces/train (checksums: faces/SHA256SUMS)")
        #expect(DatasetRecord.describe(dir.path + "/data/faces/", split: "training split")
                == "faces, training split (checksums: faces/SHA256SUMS)")
        #expect(DatasetRecord.describe(dir.path + "/data/faces/train/./") == "faces/train (checksums: faces/SHA256SUMS)")
        #expect(DatasetRecord.describe(dir.path + "/elsewhere/pictures") == "pictures", "no marker: the last component only")
    }

    @Test func shippedManifestsHoldNoLocalPath() throws {
        let models = RepositoryPaths.root + "/Models"
        for entry in try FileManager.default.contentsOfDirectory(atPath: models).sorted() {
            let path = models + "/" + entry + "/manifest.json"
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(path)")
            if let dataset = object["dataset"] as? String {
                #expect(!dataset.hasPrefix("/") && !dataset.hasPrefix("..") && !dataset.contains("/work/"), "\(entry): dataset \(dataset)")
                #expect(dataset.contains("SHA256SUMS"), "\(entry): dataset \(dataset) names no checksum file")
            }
        }
    }
}
