/// A strict RFC 4180 reader for checking the formatter's CSV (independent of the writer's code).
enum CSVParser {
    struct Failure: Error, CustomStringConvertible { let description: String }

    static func parse(_ text: String) throws -> [[String]] {
        var records: [[String]] = []
        var fields: [String] = []
        var field = ""
        var inQuotes = false
        var index = text.unicodeScalars.startIndex
        let scalars = text.unicodeScalars
        func next() -> Unicode.Scalar? {
            let following = scalars.index(after: index)
            return following < scalars.endIndex ? scalars[following] : nil
        }
        while index < scalars.endIndex {
            let scalar = scalars[index]
            if inQuotes {
                if scalar == "\"" {
                    if next() == "\"" {
                        field.unicodeScalars.append("\"")
                        index = scalars.index(after: index)
                    } else {
                        inQuotes = false
                    }
                } else {
                    field.unicodeScalars.append(scalar)
                }
            } else {
                switch scalar {
                case "\"":
                    guard field.isEmpty else { throw Failure(description: "quote inside an unquoted field") }
                    inQuotes = true
                case ",":
                    fields.append(field)
                    field = ""
                case "\r":
                    guard next() == "\n" else { throw Failure(description: "CR without LF") }
                    index = scalars.index(after: index)
                    fields.append(field)
                    records.append(fields)
                    fields = []
                    field = ""
                case "\n":
                    throw Failure(description: "bare LF line end")
                default:
                    field.unicodeScalars.append(scalar)
                }
            }
            index = scalars.index(after: index)
        }
        guard !inQuotes else { throw Failure(description: "unterminated quoted field") }
        guard fields.isEmpty, field.isEmpty else { throw Failure(description: "last record lacks CRLF") }
        return records
    }
}
