// The AMQP client lives here (see docs/ARCHITECTURE.md).
