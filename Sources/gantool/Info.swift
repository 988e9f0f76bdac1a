import ArgumentParser
import Foundation
import GANKit

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print format, size, channels, bit depth and orientation of images.",
        discussion: """
            Reads headers only: a file cut short or damaged after its header still prints. \
            With --verify every image is decoded in full, so truncated or corrupt data is an error. \
            Exits 1 if any file is not a readable PNG or JPEG (with --verify: not decodable).

            Examples:
              gantool info photo.jpg
              gantool info photos/ -r --json
              # decode every pixel, report damaged files
              gantool info downloads/ -r --verify
            """)

    @Argument(help: "Image files, folders or glob patterns.")
    var inputs: [String]

    @Flag(help: "Decode every image in full (not only its header): truncated or corrupt data is an error.")
    var verify = false

    @Flag(name: .shortAndLong, help: "Search folders recursively.")
    var recursive = false

    @OptionGroup var sharding: ShardFlags

    @Flag(help: "Print the images and failures as JSON on stdout.")
    var json = false

    struct Entry: Codable {
        var file: String
        var info: ImageInfo
    }

    func run() throws {
        let (inputs, problems) = BatchInputs.expand(self.inputs, recursive: recursive)
        var entries: [Entry] = []
        let options = BatchOptions(skipExisting: false, shard: try sharding.resolved(), showsProgress: false)
        let summary = BatchRunner(options: options, verb: "read").run(inputs: inputs, problems: problems, output: { _ in nil }) { input, _ in
            let info = try ImageInfo(contentsOf: input.path)
            if verify { _ = try Image(contentsOf: input.path) }
            entries.append(Entry(file: input.path, info: info))
            if !json {
                let (w, h) = info.uprightSize
                let turned = info.orientation == .up ? "" : ", stored \(info.width)x\(info.height)"
                print("\(input.path): \(info.format.displayName) \(w)x\(h)\(turned), \(info.channels) channel\(info.channels == 1 ? "" : "s") (\(info.colorModel)), \(info.bitDepth)-bit, orientation \(info.orientation.rawValue) (\(info.orientation))\(info.isInterlaced ? (info.format == .png ? ", interlaced" : ", progressive") : "")")
            }
        }
        for item in summary.items where item.status == .failed {
            FileHandle.standardError.write(Data("error: \(item.error ?? item.input)\n".utf8))
        }
        if json {
            let byFile = Dictionary(entries.map { ($0.file, $0.info) }, uniquingKeysWith: { a, _ in a })
            var report = summary
            report.command = "info"
            report.items = summary.items.map { var item = $0; item.info = byFile[item.input]; return item }
            try JSONOutput.print(report)
        }
        if summary.hasFailures { throw ExitCode(1) }
    }
}
