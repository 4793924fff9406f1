/// How ``AuditFormatter`` renders audit rows and worker statistics.
public enum AuditOutputFormat: String, CaseIterable, Sendable {
    /// Aligned columns for people: a selection of fields, numbers right-aligned, `-` for no value.
    case table
    /// A JSON array of objects with snake_case keys and every field (`null` for no value).
    case json
    /// RFC 4180 CSV: a header of snake_case column names, then every field; CRLF line ends.
    case csv
}
