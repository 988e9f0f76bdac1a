import ArgumentParser
import GANKit

@main
struct GANTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gantool",
        abstract: "Conditional-GAN image synthesis on CPU: translate, train, convert, inspect.",
        discussion: """
            Every command that processes files takes files, folders (-r to recurse) and glob \
            patterns; shows progress on stderr; reports a bad file and goes on; exits 1 if any \
            file failed; writes outputs atomically; and takes --skip-existing, --shard i/n and \
            --json.

            Examples:
              gantool translate photos/ --to dogs -o dogs/
              gantool inpaint photo.png mask.png -o filled.png
              gantool generate --model faces-colorize --from old-photo.jpg -o coloured.png
              gantool generate --model runs/mnist --labels all -o digits.png
              # a training run becomes a model found by name
              gantool export runs/mnist --name mnist-cgan
              gantool train cyclegan --a cats/ --b dogs/ --name cat2dog
              gantool info photo.jpg
              gantool convert photos/ -o small/ --resize 256x256 --format png
              gantool convert scans/ -r -o out/ --format jpg --quality 85 --skip-existing
            """,
        version: GANKit.version,
        subcommands: [Translate.self, Inpaint.self, Generate.self, Train.self, Checkpoint.self, Eval.self, Import.self, Export.self, Models.self,
                      Convert.self, Info.self, Bench.self, Summarize.self])
}
