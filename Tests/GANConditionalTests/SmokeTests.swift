import Testing
@testable import GANConditional

@Test func versionIsSet() { #expect(!GANConditional.version.isEmpty) }
