import ArgumentParser
import Foundation
import GANKit

/// `gantool import`: turns junyanz CycleGAN generator checkpoints into a translation model folder.
struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import official CycleGAN generator checkpoints (latest_net_G_A.pth and latest_net_G_B.pth, or one latest_net_G.pth) as a model.",
        discussion: """
            With two checkpoints, CHECKPOINT_A is G_A (translates domain A into B) and CHECKPOINT_B is G_B (B into A): \
            the files junyanz/pytorch-CycleGAN-and-pix2pix writes. With one, as the pretrained zoo ships them \
            (horse2zebra and zebra2horse are separate downloads of one latest_net_G.pth each), the model translates \
            --from into --to only; `--reverse` later adds the other direction's checkpoint to the same model \
            (it must fit its architecture). Either torch.save format (zip, or the legacy pre-1.6 format of the \
            official 2017-2019 checkpoints), with or without DataParallel's 'module.' prefix; safetensors files are \
            accepted too. The architecture is read off the checkpoint unless --ngf, --blocks or --norm say \
            otherwise; checkpoints must load strictly (an error lists every missing, unexpected or misshapen \
            tensor). Nothing is executed from the pickles.

            The model folder (manifest.json, G_A.safetensors, G_B.safetensors when it has both) is written \
            atomically into -o, else --models, else $GANKIT_MODELS, else the Models/ folder shipped with GANKit.

            Examples:
              gantool import horse2zebra.pth --name horse2zebra --from horses --to zebras
              gantool import zebra2horse.pth --name horse2zebra --reverse
              gantool translate horses/ --to zebras -o zebras_out/
              gantool import latest_net_G_A.pth latest_net_G_B.pth --name summer2winter \\
                  --from summer --to winter --fp16 -o ~/models
            """)

    @Argument(help: ArgumentHelp("G_A then G_B checkpoint, or one generator (one direction; with --reverse, the other).", valueName: "checkpoint"))
    var checkpoints: [String]

    @Option(help: "Model name (its folder's name).")
    var name: String

    @Option(name: [.customLong("a-name"), .customLong("from")], help: "Name of domain A, the input of G_A (e.g. horses).")
    var aName: String?

    @Option(name: [.customLong("b-name"), .customLong("to")], help: "Name of domain B, the output of G_A (e.g. zebras).")
    var bName: String?

    @Flag(help: "Add the one checkpoint as the reverse direction (G_B, --to back into --from) of the existing one-direction model --name.")
    var reverse = false

    @Option(help: "Filters of the first convolution (default: read off the checkpoint).")
    var ngf: Int?

    @Option(help: "Residual blocks (default: read off the checkpoint).")
    var blocks: Int?

    @Option(help: "resnet_9blocks or resnet_6blocks (same as --blocks 9 or 6).")
    var arch: String?

    @Option(help: "Normalisation: instance, batch or none (default: read off the checkpoint).")
    var norm: String?

    @Flag(help: "Store the weights as 16-bit floats (half the size).")
    var fp16 = false

    @Flag(help: "Replace an existing model of the same name.")
    var force = false

    @Option(help: ArgumentHelp("Models folder to write into (as for translate).", valueName: "dir"))
    var models: String?

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Folder to write the model folder into (overrides --models).", valueName: "dir"))
    var output: String?

    func validate() throws {
        guard (1...2).contains(checkpoints.count) else {
            throw ValidationError("give one checkpoint (one direction) or two, G_A then G_B (got \(checkpoints.count))")
        }
        if reverse {
            guard checkpoints.count == 1 else { throw ValidationError("--reverse takes one checkpoint: the other direction's generator") }
            if aName != nil || bName != nil { throw ValidationError("--reverse keeps the model's domains: drop --from/--to") }
        } else if aName == nil || bName == nil {
            throw ValidationError("name both domains: --from NAME (A, the input of G_A) and --to NAME (B)")
        }
        if let ngf, ngf <= 0 { throw ValidationError("--ngf must be positive") }
        if let blocks, blocks < 0 { throw ValidationError("--blocks must be 0 or more") }
        if let arch, Self.blocks(arch) == nil { throw ValidationError("--arch takes resnet_<N>blocks, e.g. resnet_9blocks, got '\(arch)'") }
        if let arch, let blocks, Self.blocks(arch) != blocks { throw ValidationError("--arch \(arch) and --blocks \(blocks) disagree") }
    }

    /// N of "resnet_Nblocks".
    static func blocks(_ arch: String) -> Int? {
        guard arch.hasPrefix("resnet_"), arch.hasSuffix("blocks") else { return nil }
        return Int(arch.dropFirst("resnet_".count).dropLast("blocks".count))
    }

    func run() throws {
        let folder = output ?? TranslationModels.folder(explicit: models)
        do {
            if reverse {
                let model = ModelSummary(model: try TranslationImport.addReverse(checkpoint: checkpoints[0], name: name, in: folder, halfPrecision: fp16))
                print("added \(model.domainB) -> \(model.domainA) to \(model.name) (\(model.domainA) <-> \(model.domainB)) in \(model.folder)")
                return
            }
            let request = try TranslationImport(checkpointA: checkpoints[0], checkpointB: checkpoints.count > 1 ? checkpoints[1] : nil,
                                                name: name, domainA: aName!, domainB: bName!,
                                                ngf: ngf, resnetBlocks: blocks ?? arch.flatMap(Self.blocks), normName: norm,
                                                halfPrecision: fp16, overwrite: force)
            let model = ModelSummary(model: try request.run(into: folder))
            let arrow = checkpoints.count > 1 ? "<->" : "->"
            print("imported \(model.name) (\(model.domainA) \(arrow) \(model.domainB), \(model.architecture), \(fp16 ? "F16" : "F32")) into \(model.folder)")
        } catch {
            throw failure(error)
        }
    }
}
