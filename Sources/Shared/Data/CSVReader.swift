/// Reads comma-separated numbers: one sample per line, every line with the same number of cells.
///
/// Header rule, which never takes a data row for a header: the first non-blank line is a header
/// only when none of its cells is a number (an empty cell is not a number, so pandas' `,f0,f1` is a
/// header); when all of its cells are numbers it is data; a line that mixes the two is an error
/// naming the line and a cell of each kind. The header's cell count must match the data.
/// "A number" here is anything `Float` parses, for labels too, so `0.5` is never a header.
/// Blank lines are skipped; `\n`, `\r\n` and `\r` all end a line; cells may be padded with spaces.
/// Quoting is not supported: data files hold numbers only.
enum CSVReader {
    /// The matrix in `text`, one row per data line.
    ///
    /// Throws `DataFileError` naming `file` and the 1-based line: an empty file or a header without
    /// data, a cell that is not a number, a NaN/infinite/out-of-range value, a line with a different
    /// cell count, or more than `TensorLimits.maxElements` values.
    static func matrix(from text: String, file: String) throws -> Matrix {
        let table = try parse(text, file: file, valueKind: "a number") { cell -> Float? in
            Float(cell)
        }
        for (row, line) in table.lineNumbers.enumerated() {
            for column in 0..<table.columns where !table.values[row * table.columns + column].isFinite {
                throw DataFileError(.nonFiniteValue, file: file, line: line,
                                    problem: "cell \(column + 1) is NaN, infinite or beyond the float32 range")
            }
        }
        return Matrix(rows: table.lineNumbers.count, columns: table.columns, elements: table.values)
    }

    /// The integer labels in `text`, one per line.
    ///
    /// Throws `DataFileError` naming `file` and the line for an empty file, a cell that is not an
    /// integer or a line with more than one cell.
    static func labels(from text: String, file: String) throws -> [Int] {
        let table = try parse(text, file: file, valueKind: "an integer") { cell -> Int? in Int(cell) }
        guard table.columns == 1 else {
            throw DataFileError(.unsupportedShape, file: file, line: table.lineNumbers.first,
                                problem: "labels are one integer per line, this line has \(table.columns) cells")
        }
        return table.values
    }

    /// Cells of every data line, row-major, with the line each row came from.
    private struct Table<Value> {
        var columns = 0
        var values: [Value] = []
        var lineNumbers: [Int] = []
    }

    private static func parse<Value>(_ text: String, file: String, valueKind: String,
                                     value: @escaping (Substring) -> Value?) throws -> Table<Value> {
        var table = Table<Value>()
        var parser = CSVLineParser(file: file, valueKind: valueKind, value: value)
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        for (index, line) in lines.enumerated() {
            guard let row = try parser.consume(line, lineNumber: index + 1) else { continue }
            table.values.append(contentsOf: row)
            guard table.values.count <= TensorLimits.maxElements else {
                throw DataFileError(.tooLarge, file: file, line: index + 1,
                                    problem: "more than \(TensorLimits.maxElements) values")
            }
            table.columns = row.count
            table.lineNumbers.append(index + 1)
        }
        try parser.finish()
        return table
    }
}

extension CSVReader {
    enum FirstLineKind: Equatable {
        case header, data
    }

    /// Applies the header rule to the cells of the first non-blank line (see the type's documentation).
    ///
    /// Throws `DataFileError(.notANumber)` naming `line`, a cell that is not a number and one that is,
    /// when the line mixes them.
    static func firstLineKind(_ cells: [Substring], file: String, line: Int) throws -> FirstLineKind {
        let isNumber = cells.map { Float($0) != nil }
        guard let text = isNumber.firstIndex(of: false) else { return .data }
        guard let number = isNumber.firstIndex(of: true) else { return .header }
        throw DataFileError(.notANumber, file: file, line: line,
                            problem: "cell \(text + 1) is \(shown(cells[text])), not a number, but cell \(number + 1) is the number \(shown(cells[number])): the first line is a header only when none of its cells is a number, and data only when all are")
    }

    /// A cell as error messages show it: quoted and cut to 40 characters, or `empty`.
    static func shown(_ cell: Substring) -> String {
        cell.isEmpty ? "empty" : "'\(cell.prefix(40))'"
    }
}
