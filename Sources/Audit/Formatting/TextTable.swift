/// Columns padded to their widest cell, separated by two spaces, for terminal output.
struct TextTable {
    enum Alignment { case left, right }

    struct Column {
        let title: String
        let alignment: Alignment
    }

    let columns: [Column]
    var rows: [[String]] = []

    init(columns: [Column]) { self.columns = columns }

    /// The header line, then one line per row, each ending in a newline. Control characters in cells are
    /// shown escaped so a value can never break the layout.
    func render() -> String {
        let cells = [columns.map(\.title)] + rows.map { $0.map(Self.visible) }
        let widths = columns.indices.map { index in cells.map { $0[index].count }.max() ?? 0 }
        var output = ""
        for line in cells {
            var fields: [String] = []
            for (index, cell) in line.enumerated() {
                let padding = String(repeating: " ", count: widths[index] - cell.count)
                let isLast = index == columns.count - 1
                switch columns[index].alignment {
                case .left: fields.append(isLast ? cell : cell + padding)
                case .right: fields.append(padding + cell)
                }
            }
            output += fields.joined(separator: "  ") + "\n"
        }
        return output
    }

    private static func visible(_ cell: String) -> String {
        var result = ""
        for scalar in cell.unicodeScalars {
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                result += scalar.properties.generalCategory == .control
                    ? "\\u{\(String(scalar.value, radix: 16))}" : String(scalar)
            }
        }
        return result
    }
}
