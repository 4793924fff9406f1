/// The CSV rules of `CSVReader`, one line at a time: the header rule, blank lines, padded cells,
/// equal cell counts and typed values. The whole-file reader and the streaming one (`CSVRowStream`)
/// both feed it lines, so they accept exactly the same files and say exactly the same errors.
struct CSVLineParser<Value> {
    let file: String
    let valueKind: String
    let value: (Substring) -> Value?
    private var headerColumns: Int?
    private var firstDataLine: Int?
    private(set) var columns = 0

    init(file: String, valueKind: String, value: @escaping (Substring) -> Value?) {
        self.file = file
        self.valueKind = valueKind
        self.value = value
    }

    /// The values of `line` (1-based `lineNumber`), or nil for a blank line or the header.
    /// Throws `DataFileError` naming the line for a mixed first line, a ragged row or a bad cell.
    mutating func consume(_ line: Substring, lineNumber: Int) throws -> [Value]? {
        let cells = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCSVPadding() }
        if cells.count == 1 && cells[0].isEmpty { return nil }
        if firstDataLine == nil && headerColumns == nil {
            switch try CSVReader.firstLineKind(cells, file: file, line: lineNumber) {
            case .header:
                headerColumns = cells.count
                return nil
            case .data: break
            }
        }
        let expected = firstDataLine == nil ? (headerColumns ?? cells.count) : columns
        guard cells.count == expected else {
            let reference = firstDataLine.map { "line \($0)" } ?? "the header"
            throw DataFileError(.raggedRows, file: file, line: lineNumber,
                                problem: "\(cells.count) cells, but \(reference) has \(expected)")
        }
        var row: [Value] = []
        row.reserveCapacity(cells.count)
        for (column, cell) in cells.enumerated() {
            guard let number = value(cell) else {
                throw DataFileError(.notANumber, file: file, line: lineNumber,
                                    problem: "cell \(column + 1) is \(CSVReader.shown(cell)), not \(valueKind)")
            }
            row.append(number)
        }
        if firstDataLine == nil { firstDataLine = lineNumber }
        columns = cells.count
        return row
    }

    /// After the last line: throws `DataFileError(.empty)` when there was no data line.
    func finish() throws {
        guard firstDataLine == nil else { return }
        throw DataFileError(.empty, file: file,
                            problem: headerColumns == nil ? "the file is empty" : "the file has a header line but no data")
    }
}

extension Substring {
    /// The text without leading and trailing spaces and tabs (CSV cells are often padded).
    func trimmingCSVPadding() -> Substring {
        let isPadding: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isPadding($0) }), let last = lastIndex(where: { !isPadding($0) })
        else { return self[endIndex...] }
        return self[first...last]
    }
}
