import Testing
@testable import GANCore

@Suite("Weights: StateDict")
struct WeightsStateDictTests {
    func sample() throws -> StateDict {
        try StateDict([
            ("model.0.weight", TensorData(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])),
            ("model.0.bias", TensorData(shape: [2], values: [0, 1])),
            ("model.1.num_batches_tracked", TensorData(shape: [], values: [7], dtype: .i64)),
        ])
    }

    @Test func lookupAndOrder() throws {
        let sd = try sample()
        #expect(sd.names == ["model.0.weight", "model.0.bias", "model.1.num_batches_tracked"])
        #expect(sd.count == 3)
        #expect(try sd.tensor("model.0.bias").values == [0, 1])
        #expect(try sd.tensor("model.0.weight", shape: [2, 3]).count == 6)
        #expect(sd.map(\.name) == sd.names)
    }

    @Test func missingNameIsTyped() throws {
        let sd = try sample()
        #expect(throws: StateDictError.missingTensor(name: "model.9.weight")) { try sd.tensor("model.9.weight") }
        let e = StateDictError.missingTensor(name: "model.9.weight")
        #expect(e.description.contains("model.9.weight"))
    }

    @Test func shapeMismatchNamesBothShapes() throws {
        let sd = try sample()
        do {
            _ = try sd.tensor("model.0.weight", shape: [3, 2])
            Issue.record("expected a shape mismatch")
        } catch {
            #expect(error == .shapeMismatch(name: "model.0.weight", expected: [3, 2], actual: [2, 3]))
            #expect(error.description.contains("model.0.weight"))
            #expect(error.description.contains("[3, 2]") && error.description.contains("[2, 3]"))
        }
    }

    @Test func mutationAndDuplicates() throws {
        var sd = try sample()
        sd["model.0.bias"] = TensorData(shape: [2], values: [5, 6])
        #expect(sd.names.count == 3 && sd["model.0.bias"]?.values == [5, 6])
        sd["extra"] = TensorData(shape: [1], values: [1])
        #expect(sd.names.last == "extra")
        sd["model.0.weight"] = nil
        #expect(sd.names == ["model.0.bias", "model.1.num_batches_tracked", "extra"])
        #expect(throws: StateDictError.duplicateName(name: "a")) {
            try StateDict([("a", TensorData(shape: [], values: [1])), ("a", TensorData(shape: [], values: [2]))])
        }
    }
}
