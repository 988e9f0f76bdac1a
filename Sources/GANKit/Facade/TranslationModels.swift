import Foundation
import GANTranslation

/// Errors of finding and using translation models.
public enum TranslationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The models folder holds no translation model.
    case noModels(folder: String)
    /// No model translates into the domain; lists the domains there are.
    case unknownDomain(String, available: [String])
    /// No model has that name.
    case unknownModel(String, available: [String])
    /// Several models translate into the domain; `--model` picks one.
    case ambiguousDomain(String, models: [String])
    /// The model only goes from domain A to domain B (CUT, FastCUT) and was asked to translate into A.
    case oneDirection(model: String, from: String, to: String)

    /// A one-line message.
    public var description: String {
        switch self {
        case let .noModels(folder):
            "no translation model in \(folder) (use --models DIR or set GANKIT_MODELS). To get one: import junyanz's "
                + "pretrained pair (gantool import latest_net_G_A.pth latest_net_G_B.pth --name horse2zebra --a-name horses "
                + "--b-name zebras), or train one (gantool train cyclegan --a cats/ --b dogs/ --name cat2dog)"
        case let .unknownDomain(domain, available):
            "no model translates to '\(domain)'; domains: \(available.isEmpty ? "none" : available.joined(separator: ", "))"
        case let .unknownModel(name, available): "no model named '\(name)'; models: \(available.joined(separator: ", "))"
        case let .ambiguousDomain(domain, models): "several models translate to '\(domain)' (\(models.joined(separator: ", "))); pick one with --model"
        case let .oneDirection(model, from, to):
            "model '\(model)' only translates \(from) to \(to) (it holds one generator, A -> B); it cannot translate to '\(from)'"
                + " (an imported model takes the other direction with gantool import CHECKPOINT --name \(model) --reverse)"
        }
    }
}

/// Where translation models are found, and which one serves a `--to DOMAIN` request.
public enum TranslationModels {
    /// The models folder: `explicit` (`--models`), else `$GANKIT_MODELS`, else the `Models/` folder of the package the
    /// running executable belongs to (found by walking up from the executable, so an installed binary works anywhere).
    public static func folder(explicit: String? = nil) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let env = ProcessInfo.processInfo.environment["GANKIT_MODELS"], !env.isEmpty { return env }
        var url = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            for candidate in [url.appendingPathComponent("Models"), url.appendingPathComponent("share/gankit/Models")] {
                var isFolder: ObjCBool = false
                if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isFolder), isFolder.boolValue { return candidate.path }
            }
            url = url.deletingLastPathComponent()
        }
        return "Models"
    }

    /// The translation models (folders with a readable `manifest.json`) directly inside `folder`, sorted by name.
    public static func available(in folder: String) -> [TranslationModel] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
        return names.compactMap { try? TranslationModel(folder: folder + "/" + $0) }
    }

    /// The model and generator ("G_A" or "G_B") that translate into `domain`, optionally restricted to the model `name`.
    public static func resolve(to domain: String, model name: String?, in folder: String) throws(TranslationError) -> (model: TranslationModel, generator: String) {
        var models = available(in: folder)
        if models.isEmpty { throw .noModels(folder: folder) }
        if let name {
            let named = models.filter { $0.manifest.name == name || PathName($0.folder).lastComponent == name }
            if named.isEmpty { throw .unknownModel(name, available: models.map(\.manifest.name)) }
            models = named
        }
        let matches = models.compactMap { m in m.generatorName(to: domain).map { (m, $0) } }
        if matches.isEmpty, let oneWay = models.first(where: { !$0.translatesBothWays && domain.caseInsensitiveCompare($0.manifest.domainA) == .orderedSame }) {
            throw .oneDirection(model: oneWay.manifest.name, from: oneWay.manifest.domainA, to: oneWay.manifest.domainB)
        }
        if matches.isEmpty { throw .unknownDomain(domain, available: Array(Set(models.flatMap { [$0.manifest.domainA, $0.manifest.domainB] })).sorted()) }
        if matches.count > 1 { throw .ambiguousDomain(domain, models: matches.map(\.0.manifest.name)) }
        return matches[0]
    }
}
