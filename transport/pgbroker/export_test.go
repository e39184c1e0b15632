package pgbroker

// ListenerPID returns the backend process id of b's listening connection,
// so a test can cut it with pg_terminate_backend.
func ListenerPID(b *Broker) uint32 { return b.pid.Load() }

// WithPing sets how long the listening connection may stay silent before
// it is checked.
var WithPing = withPing
