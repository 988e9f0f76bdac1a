import Testing
import GANPaths

/// Paths split and joined as text: one-character names (which crashed Foundation's NSString path methods on Linux),
/// trailing slashes, "./", "..", absolute paths, unicode and spaces.
struct PathNameTests {
    @Test(arguments: [
        // path, last component, parent, extension, without extension
        ("k", "k", "", "", "k"),
        ("k/", "k", "", "", "k"),
        ("k/out.png", "out.png", "k", "png", "k/out"),
        ("./k", "k", ".", "", "./k"),
        ("./k/x.JPG", "x.JPG", "./k", "JPG", "./k/x"),
        ("../a/b.c", "b.c", "../a", "c", "../a/b"),
        ("/k", "k", "/", "", "/k"),
        ("/", "/", "/", "", "/"),
        ("", "", "", "", ""),
        ("a//b", "b", "a", "", "a//b"),
        ("a.d/b", "b", "a.d", "", "a.d/b"),
        ("a/.hidden", ".hidden", "a", "", "a/.hidden"),
        ("a/b.", "b.", "a", "", "a/b."),
        ("my photos/été 1.jpeg", "été 1.jpeg", "my photos", "jpeg", "my photos/été 1"),
        ("dir with space/", "dir with space", "", "", "dir with space"),
        ("猫/犬.png", "犬.png", "猫", "png", "猫/犬"),
    ])
    func splits(_ c: (String, String, String, String, String)) {
        let path = PathName(c.0)
        #expect(path.lastComponent == c.1, "last component of '\(c.0)'")
        #expect(path.parent == c.2, "parent of '\(c.0)'")
        #expect(path.pathExtension == c.3, "extension of '\(c.0)'")
        #expect(path.deletingExtension == c.4, "'\(c.0)' without extension")
    }

    @Test func joinsAndStandardizes() {
        #expect(PathName("k").appending("x.png") == "k/x.png")
        #expect(PathName("k/").appending("x.png") == "k/x.png")
        #expect(PathName("").appending("x.png") == "x.png")
        #expect(PathName("/").appending("x") == "/x")
        #expect(PathName("k").folder == "." && PathName("q/r").folder == "q")
        #expect(PathName("k/out.png").stem == "out")
        #expect(PathName("./a//b/../c/").standardized == "a/c")
        #expect(PathName("./").standardized == ".")
        #expect(PathName("/..").standardized == "/")
        #expect(PathName("../a").standardized == "../a")
        #expect(PathName("a/../../b").standardized == "../b")
        #expect(PathName("/x/./y/").standardized == "/x/y")
        #expect(PathName("été/./ü").standardized == "été/ü")
    }
}
