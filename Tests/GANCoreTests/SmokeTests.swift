import Testing
@testable import GANCore

@Test func engineVersionIsSet() {
    #expect(!GANCore.version.isEmpty)
}
