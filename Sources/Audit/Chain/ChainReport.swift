/// The outcome of ``AuditChainVerifier/verify()``: every verifier's chain, and where each one breaks.
public struct ChainReport: Sendable, Equatable {
    /// One verifier's chain as found in the table.
    public struct Chain: Sendable, Equatable {
        /// The verifier whose rows form the chain.
        public let verifierID: String
        /// Rows in the chain.
        public let rowCount: Int
        /// Id of the chain's first (genesis) row.
        public let firstRowID: Int64
        /// Id of the chain's last row.
        public let lastRowID: Int64
        /// `row_hash` of the last row: record it elsewhere (e.g. in a signed reply) to detect later
        /// removal of rows from the end, which the chain alone cannot show.
        public let headHash: String
    }

    /// The first row of a chain that does not check out.
    public struct Break: Sendable, Equatable, CustomStringConvertible {
        /// What is wrong with the row.
        public enum Kind: String, Sendable, Equatable {
            /// The row's content does not hash to its `row_hash`: the row was altered.
            case rowHashMismatch
            /// The row's `previous_hash` is not the previous row's `row_hash` (or not genesis for the first
            /// row): a row before it was removed or altered, or rows were inserted out of order.
            case previousHashMismatch
            /// The row cannot be read back into a record (e.g. malformed `shapes`).
            case unreadableRow
        }
        /// The broken row's id.
        public let rowID: Int64
        /// The chain it belongs to.
        public let verifierID: String
        /// What is wrong.
        public let kind: Kind
        /// A sentence with the stored and expected values.
        public let explanation: String

        public var description: String { "row \(rowID) (verifier \(verifierID)): \(explanation)" }
    }

    /// Every chain, ordered by verifier id.
    public let chains: [Chain]
    /// The first break of each broken chain, ordered by row id.
    public let breaks: [Break]
    /// Rows examined.
    public let rowsChecked: Int

    /// Whether every chain checks out.
    public var isIntact: Bool { breaks.isEmpty }
    /// The broken row with the lowest id, if any.
    public var firstBreak: Break? { breaks.first }
}
