/// placeholder
public struct Image: Sendable {}
