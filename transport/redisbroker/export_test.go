package redisbroker

// WithPing sets how long the subscribing connection may stay silent before
// it is checked.
var WithPing = withPing
