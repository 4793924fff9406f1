/// The benchmarks' tables: Markdown with padded columns, so the same text reads well in a terminal
/// and pastes into docs/BENCHMARKS.md.
enum MarkdownTable {
    /// `rows[0]` is the header; every row has as many cells as it.
    static func render(_ rows: [[String]]) -> String {
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            "| " + zip(cells, widths).map { $0 + String(repeating: " ", count: $1 - $0.count) }
                .joined(separator: " | ") + " |"
        }
        let separator = "|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|") + "|"
        return ([line(rows[0]), separator] + rows.dropFirst().map(line)).joined(separator: "\n")
    }
}
