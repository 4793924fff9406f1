import SecureNetsWorker
import SecureNetsServices

await CommandEntryPoint.run(WorkerCommand.self)
