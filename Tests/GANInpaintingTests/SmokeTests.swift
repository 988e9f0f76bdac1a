import Testing
@testable import GANInpainting

@Test func versionIsSet() { #expect(!GANInpainting.version.isEmpty) }
