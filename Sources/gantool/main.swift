import ArgumentParser
import GANKit

struct GANTool: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gantool", abstract: "GAN image synthesis on CPU.", version: GANKit.version)
}
GANTool.main()
