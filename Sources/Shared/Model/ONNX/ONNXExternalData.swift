import Foundation

/// Reads tensor bytes that an ONNX model keeps in files next to it (`data_location = EXTERNAL`,
/// what exporters write for large models: `onnx.save(..., save_as_external_data=True)`).
///
/// Only files inside the model's folder are read: an absolute `location`, a `..` component, or a
/// path whose symbolic links resolve outside the folder is refused. `offset` and `length` are checked
/// against the file's size and against the bytes the tensor's dimensions need before anything is read.
struct ONNXExternalData: Sendable {
    /// The folder of the model file; nil when the model came from memory (no folder to read from).
    let folder: URL?

    /// The `needed` bytes of `tensor`'s external data.
    ///
    /// Throws `.malformedTensor` for a missing or unsafe location, a bad offset or length, a file
    /// that is too short or unreadable.
    func bytes(of tensor: Onnx_TensorProto, needed: Int) throws -> Data {
        func refused(_ problem: String) -> ONNXImportError.Problem {
            ONNXImportError.Problem(.malformedTensor, "tensor '\(tensor.name)' \(problem)")
        }
        var entries: [String: String] = [:]
        for entry in tensor.externalData { entries[entry.key] = entry.value }
        guard let location = entries["location"], !location.isEmpty else {
            throw refused("is stored externally but names no location")
        }
        guard let folder else {
            throw refused("keeps its data in the external file '\(location)'; load the model from its file so the file can be found")
        }
        guard !location.hasPrefix("/"), !location.contains("\\") else {
            throw refused("names the external file '\(location)'; only relative paths inside the model's folder are read")
        }
        let components = location.split(separator: "/", omittingEmptySubsequences: true)
        guard !components.contains(".."), !components.isEmpty else {
            throw refused("names the external file '\(location)', which leaves the model's folder")
        }
        let base = folder.standardizedFileURL.resolvingSymlinksInPath()
        let file = base.appendingPathComponent(location).standardizedFileURL.resolvingSymlinksInPath()
        guard file.path.hasPrefix(base.path.hasSuffix("/") ? base.path : base.path + "/") else {
            throw refused("names the external file '\(location)', which resolves outside the model's folder")
        }
        func number(_ key: String) throws -> Int? {
            guard let text = entries[key] else { return nil }
            guard let value = Int(text), value >= 0 else { throw refused("has external \(key) '\(text)', not a byte count") }
            return value
        }
        let offset = try number("offset") ?? 0
        let length = try number("length") ?? needed
        guard length == needed else {
            throw refused("has external length \(length) but its dimensions need \(needed) bytes")
        }
        let size: Int
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
            guard (attributes[.type] as? FileAttributeType) == .typeRegular else {
                throw refused("names the external file '\(location)', which is not a regular file")
            }
            size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        } catch let problem as ONNXImportError.Problem {
            throw problem
        } catch {
            throw refused("names the external file '\(location)', which cannot be read: \(error.localizedDescription)")
        }
        guard offset <= size, needed <= size - offset else {
            throw refused("needs bytes \(offset)..<\(offset + needed) of '\(location)', which has \(size)")
        }
        do {
            let handle = try FileHandle(forReadingFrom: file)
            defer { try? handle.close() }
            try handle.seek(toOffset: UInt64(offset))
            let data = try handle.read(upToCount: needed) ?? Data()
            guard data.count == needed else { throw refused("could read only \(data.count) of \(needed) bytes from '\(location)'") }
            return data
        } catch let problem as ONNXImportError.Problem {
            throw problem
        } catch {
            throw refused("names the external file '\(location)', which cannot be read: \(error.localizedDescription)")
        }
    }
}
