import ArgumentParser

/// Parses the command line and runs the chosen (sync or async) subcommand.
///
/// ArgumentParser's own `main()` refuses async root commands in top-level code on Linux (it asks for
/// an availability annotation); this does the same dispatch explicitly.
public enum CommandEntryPoint {
    public static func run<Root: ParsableCommand>(_ root: Root.Type) async {
        do {
            var command = try root.parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            root.exit(withError: error)
        }
    }
}
