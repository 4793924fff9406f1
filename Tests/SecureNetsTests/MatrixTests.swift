import Testing
@testable import SecureNets

@Suite struct MatrixTests {
    @Test func sgemmMatchesDefinition() {
        let a = Matrix([[1, 2, 3], [4, 5, 6]])
        let b = Matrix([[1, 0], [0, 1], [2, -1]])
        let c = BLAS.product(a, b)
        #expect(c == Matrix([[7, -1], [16, -1]]))
        #expect(BLAS.widenedProduct(a, b) == c)
    }

    @Test func homogeneousColumnRoundTrips() {
        let a = Matrix([[1, 2], [3, 4]])
        let h = a.appendingOnesColumn()
        #expect(h == Matrix([[1, 2, 1], [3, 4, 1]]))
        #expect(h.droppingLastColumn() == a)
    }
}
