/// A file system path as text, split and joined at its "/" separators by GANKit's own code: no Foundation path
/// methods (on Linux, `NSString.deletingLastPathComponent` crashed on one-character folder names such as `k/out.png`).
/// Lexical only: nothing here touches the file system or follows symbolic links.
public struct PathName: Sendable, Hashable, CustomStringConvertible {
    /// The path as given.
    public var text: String

    /// The path `text`, as given (relative, absolute, with or without a trailing slash).
    public init(_ text: String) { self.text = text }

    public var description: String { text }

    /// The text without trailing slashes ("/" stays "/").
    private var trimmed: Substring {
        var s = Substring(text)
        while s.count > 1 && s.hasSuffix("/") { s = s.dropLast() }
        return s
    }

    /// The last component: "b.png" for "a/b.png", "b" for "a/b/", "k" for "k", "/" for "/", "" for "".
    public var lastComponent: String {
        let s = trimmed
        if s == "/" { return "/" }
        guard let slash = s.lastIndex(of: "/") else { return String(s) }
        return String(s[s.index(after: slash)...])
    }

    /// The path without its last component: "a" for "a/b" and "a/b/", "" for "k", "." for "./k", "/" for "/k" and "/".
    public var parent: String {
        let s = trimmed
        guard let slash = s.lastIndex(of: "/") else { return "" }
        var head = s[..<slash]
        while head.count > 1 && head.hasSuffix("/") { head = head.dropLast() }
        return head.isEmpty ? "/" : String(head)
    }

    /// The folder that holds it, "." where the path has no parent ("k" is in the current folder).
    public var folder: String {
        let p = parent
        return p.isEmpty ? "." : p
    }

    /// The extension of the last component, without its dot: "png" for "a/b.PNG" is "PNG"; "" for "a/b", "a.d/b",
    /// ".hidden" and "b.".
    public var pathExtension: String {
        let name = lastComponent
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return String(name[name.index(after: dot)...])
    }

    /// The path without the extension of its last component (and without trailing slashes): "a/b" for "a/b.png".
    public var deletingExtension: String {
        let ext = pathExtension, s = trimmed
        return ext.isEmpty ? String(s) : String(s.dropLast(ext.count + 1))
    }

    /// The last component without its extension: "b" for "a/b.png".
    public var stem: String { PathName(lastComponent).deletingExtension }

    /// `component` joined on with one "/": "a/b" for "a" and for "a/", "b" for "".
    public func appending(_ component: String) -> String {
        if text.isEmpty { return component }
        return text.hasSuffix("/") ? text + component : text + "/" + component
    }

    /// The same path without "." components, doubled or trailing slashes, and with "x/.." folded: "a/c" for
    /// "./a//b/../c/", "." for "./", "/" for "/..", "../a" for "../a" (a leading ".." of a relative path stays).
    public var standardized: String {
        let absolute = text.hasPrefix("/")
        var parts: [Substring] = []
        for part in text.split(separator: "/", omittingEmptySubsequences: true) where part != "." {
            if part == ".." {
                if let last = parts.last, last != ".." { parts.removeLast(); continue }
                if absolute { continue }
            }
            parts.append(part)
        }
        let joined = parts.joined(separator: "/")
        return absolute ? "/" + joined : (joined.isEmpty ? "." : joined)
    }
}
