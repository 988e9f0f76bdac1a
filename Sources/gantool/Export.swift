import ArgumentParser
import Foundation
import GANKit

/// `gantool export`: a training run becomes a model of the models folder.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Turn a training run into a model folder (generator + manifest) that commands find by name.",
        discussion: """
            RUN is a label-GAN checkpoint folder ('gantool train cgan -o RUN': the generator's moving \
            average is exported when the run kept one), a pix2pix run folder (its model/ folder), an \
            inpainting run, model or checkpoint folder ('gantool train inpaint'; the model keeps format \
            gankit-inpaint/1), or a translation run, model or checkpoint folder ('gantool train cyclegan': \
            its model/, else its latest checkpoint, whose domains --class-names A,B names). The \
            model is written to --models DIR, else $GANKIT_MODELS, else the Models/ folder of GANKit, \
            as NAME/manifest.json + NAME/generator.safetensors (translation models: G_A and, for CycleGAN, \
            G_B.safetensors). Record held-out metrics in it afterwards \
            with 'gantool eval generate|colorize|inpaint|translate --record'.

            Examples:
              gantool export runs/mnist --name mnist-cgan \\
                  --class-names 0,1,2,3,4,5,6,7,8,9
              gantool export runs/fashion --name fashion-cgan --fp16 \\
                  --standing-statistics 200
              gantool export runs/faces-colorize --name faces-colorize --fp16 \\
                  --models Models
              gantool export runs/faces-inpaint --name faces-inpaint --fp16
              gantool export runs/cat2dog --name cat2dog --fp16 \\
                  --note "terms=non-commercial research"
              gantool generate --model mnist-cgan --labels all -o digits.png
            """)

    @Argument(help: ArgumentHelp("The training run folder.", valueName: "run"))
    var runFolder: String

    @Option(help: "Model name (its folder's name).")
    var name: String

    @Option(help: ArgumentHelp("Folder of models to write into.", valueName: "dir"))
    var models: String?

    @Flag(help: "Store the weights as 16-bit floats (half the size).")
    var fp16 = false

    @Option(help: ArgumentHelp("Label GANs: the class names, comma-separated, in label order; translation checkpoints: the two domains, A first.", valueName: "names"))
    var classNames: String?

    @Option(name: .customLong("note"), help: ArgumentHelp("Translation models: a KEY=VALUE note for the manifest (data, terms of use; repeatable).", valueName: "key=value"))
    var notes: [String] = []

    @Option(help: ArgumentHelp("Label GANs: recompute the generator's batch-norm statistics over N training-mode batches "
                               + "(standing statistics; see 'eval generate --standing-statistics').", valueName: "N"))
    var standingStatistics: Int?

    @Flag(help: "Replace an existing model of the same name.")
    var force = false

    func validate() throws {
        if let standingStatistics, standingStatistics < 1 { throw ValidationError("--standing-statistics must be at least 1") }
        for note in notes where !note.contains("=") || note.hasPrefix("=") { throw ValidationError("--note takes KEY=VALUE, got '\(note)'") }
    }

    func run() throws {
        var noteTable: [String: String] = [:]
        for note in notes {
            let parts = note.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            noteTable[String(parts[0])] = String(parts[1])
        }
        let names = classNames.map { $0.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) } } ?? []
        do {
            let (folder, kind) = try ModelExport.export(run: runFolder, name: name, models: models, halfPrecision: fp16, overwrite: force, classNames: names, notes: noteTable,
                                                        standingStatistics: standingStatistics)
            print("exported \(runFolder) as \(kind) model \(name) (\(fp16 ? "F16" : "F32")) into \(folder)")
        } catch {
            throw failure(error)
        }
    }
}
