/// Upper bounds on the size of a tensor whose shape comes from untrusted input (a model file, a data
/// file, a message), checked before any memory is allocated for it.
///
/// A file's header can claim any shape; without this bound a 100-byte file declaring 10⁹ × 10⁹
/// elements would make the reader try to allocate exabytes (or overflow `Int`) before noticing that
/// the bytes are not there.
public enum TensorLimits {
    /// The most elements one tensor may hold: 2²⁸, i.e. 1 GiB of float32.
    public static let maxElements = 1 << 28

    /// The number of elements of a tensor with dimensions `dims` (1 for no dimensions, a scalar).
    ///
    /// Returns nil when a dimension is negative, the product overflows `Int` or it exceeds
    /// `maxElements`; callers turn nil into their own typed error that names the file.
    public static func elementCount<Dimensions: Sequence>(of dims: Dimensions) -> Int?
    where Dimensions.Element: BinaryInteger {
        var count = 1
        for dim in dims {
            guard dim >= 0, let size = Int(exactly: dim) else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow, product <= maxElements else { return nil }
            count = product
        }
        return count
    }
}
