import SecureNetsWorker

await WorkerCommand.main()
