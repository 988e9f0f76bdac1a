import Testing
@testable import GANCore

@Suite struct LinearTests {
    @Test func linearValuesAndGradients() {
        let x = Variable(Tensor(shape: [1, 2], scalars: [1, 2]))
        let w = Variable(Tensor(shape: [3, 2], scalars: [1, 0, 0, 1, 1, 1]))
        let b = Variable(Tensor(shape: [3], scalars: [0.5, 0, -1]))
        #expect(linear(x, weight: w, bias: b).value.scalars == [1.5, 2, 2])
        let xs = randomParameter([4, 5], seed: 41), ws = randomParameter([3, 5], seed: 42), bs = randomParameter([3], seed: 43)
        expectGradientsMatch([xs, ws, bs]) { linear(xs, weight: ws, bias: bs) }
    }

    @Test func embeddingAccumulatesRepeatedRows() {
        let table = randomParameter([4, 3], seed: 44)
        let y = embedding([2, 0, 2], table: table)
        #expect(Array(y.value.scalars[0..<3]) == Array(table.value.scalars[6..<9]))
        expectGradientsMatch([table]) { embedding([2, 0, 2], table: table) }
    }

    @Test func dropoutIsSeededAndScaled() {
        let x = Variable(Tensor.ones([1000]))
        var g1 = SeededGenerator(seed: 5), g2 = SeededGenerator(seed: 5)
        let a = dropout(x, probability: 0.5, using: &g1), b = dropout(x, probability: 0.5, using: &g2)
        #expect(a.value == b.value)
        #expect(a.value.scalars.allSatisfy { $0 == 0 || $0 == 2 })
        let kept = a.value.scalars.filter { $0 != 0 }.count
        #expect(kept > 400 && kept < 600)
        let p = randomParameter([20], seed: 45)
        var g3 = SeededGenerator(seed: 9)
        let y = dropout(p, probability: 0.3, using: &g3)
        y.backward()
        #expect(p.grad!.scalars == y.value.scalars.indices.map { y.value.scalars[$0] == 0 ? 0 : 1 / 0.7 })
        // With the mask held fixed (same seed on every evaluation), finite differences agree too.
        expectGradientsMatch([p]) {
            var generator = SeededGenerator(seed: 9)
            return dropout(p, probability: 0.3, using: &generator)
        }
    }
}
