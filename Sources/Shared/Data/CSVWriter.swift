/// Writes comma-separated numbers that `CSVReader` (and any spreadsheet) reads back exactly.
enum CSVWriter {
    /// One line per row, no header. Each value is written in Swift's shortest form that parses back
    /// to the same float32, so a round trip is lossless.
    static func text(of matrix: Matrix) -> String {
        var text = ""
        text.reserveCapacity(matrix.elements.count * 10)
        for row in 0..<matrix.rows {
            text += matrix.row(row).map { $0.description }.joined(separator: ",")
            text += "\n"
        }
        return text
    }

    /// One label per line, no header.
    static func text(of labels: [Int]) -> String {
        labels.map { "\($0)\n" }.joined()
    }
}
