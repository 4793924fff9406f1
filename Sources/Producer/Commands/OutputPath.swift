import ArgumentParser
import Foundation

/// Checks the files a command will write before any work starts (nothing is published for a bad
/// path): each can be written, and none is one of the command's inputs or another of its outputs.
enum OutputPath {
    /// A path given on the command line, with the flag that gave it (for error messages).
    struct Argument {
        let flag: String
        let path: String
    }

    /// Refuses `path` unless it ends in `.npy` or `.csv` and its directory exists and is writable.
    static func validate(_ path: String) throws {
        let url = URL(fileURLWithPath: path)
        guard ["npy", "csv"].contains(url.pathExtension.lowercased()) else {
            throw ValidationError("\(path): output must end in .npy or .csv")
        }
        var isDirectory: ObjCBool = false
        let parent = url.deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue,
              FileManager.default.isWritableFile(atPath: parent) else {
            throw ValidationError("\(path): directory \(parent) does not exist or is not writable")
        }
    }

    /// Validates every output, then refuses an output that is the same file as an input or as
    /// another output: same path after resolving `.`, `..` and symbolic links, or, for files that
    /// exist, the same device and inode (hard links).
    ///
    /// - Throws: `ValidationError` naming both flags and the file, e.g. `--output and --input are the
    ///   same file (/data/x.npy): writing the outputs would destroy the input`.
    static func validate(outputs: [Argument], inputs: [Argument]) throws {
        for output in outputs { try validate(output.path) }
        for (index, output) in outputs.enumerated() {
            for other in outputs[..<index] where sameFile(output.path, other.path) {
                throw ValidationError("\(output.flag) and \(other.flag) are the same file (\(resolved(output.path))): one would overwrite the other; give them different paths")
            }
            for input in inputs where sameFile(output.path, input.path) {
                throw ValidationError("\(output.flag) and \(input.flag) are the same file (\(resolved(output.path))): writing \(output.flag) would destroy the input; choose another \(output.flag)")
            }
        }
    }

    /// `validate(outputs:inputs:)` for the flags of `infer` and `submit`.
    static func validate(output: String, labels: String?, input: String, model: String) throws {
        try validate(outputs: [Argument(flag: "--output", path: output)] + (labels.map { [Argument(flag: "--labels", path: $0)] } ?? []),
                     inputs: [Argument(flag: "--input", path: input), Argument(flag: "--model", path: model)])
    }

    static func sameFile(_ a: String, _ b: String) -> Bool {
        if resolved(a) == resolved(b) { return true }
        var first = stat(), second = stat()
        guard stat(a, &first) == 0, stat(b, &second) == 0 else { return false }
        return first.st_dev == second.st_dev && first.st_ino == second.st_ino
    }

    /// The absolute path with `.`, `..` and symbolic links resolved; for a file that does not exist
    /// yet, its directory resolved and its name appended.
    static func resolved(_ path: String) -> String {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL
        if let real = realPath(absolute.path) { return real }
        let directory = absolute.deletingLastPathComponent().path
        let name = absolute.lastPathComponent
        return ((realPath(directory) ?? directory) as NSString).appendingPathComponent(name)
    }

    private static func realPath(_ path: String) -> String? {
        guard let pointer = realpath(path, nil) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }
}
