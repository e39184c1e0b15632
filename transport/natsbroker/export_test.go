package natsbroker

// WithCheck sets how often the broker looks for dropped messages.
var WithCheck = withCheck
