import ArgumentParser
import Foundation
import GANKit

/// `gantool models`: lists the translation models gantool can see.
struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the models gantool can see: name, domains, architecture, folder.",
        discussion: """
            Looks in --models, else $GANKIT_MODELS, else the Models/ folder shipped with GANKit (the \
            same place translate and import use), and says which it used. Folders without a readable \
            manifest are listed as skipped, with the reason.

            Examples:
              gantool models
              gantool models --models ~/models --json
            """)

    @Option(help: ArgumentHelp("Folder of models.", valueName: "dir"))
    var models: String?

    @Flag(help: "Print the listing as JSON on stdout.")
    var json = false

    func run() throws {
        let catalog = ModelCatalog(explicit: models)
        if json {
            try JSONOutput.printListing(catalog)
        } else {
            print(catalog.text)
        }
    }
}
