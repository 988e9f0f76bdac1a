import Testing
@testable import GANTranslation

@Test func versionIsSet() { #expect(!GANTranslation.version.isEmpty) }
