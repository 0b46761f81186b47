"""The message bus: domain events written to a transactional outbox, delivered by a transport
(embedded: the outbox table itself; or NATS JetStream) to handlers that do the side effects."""
