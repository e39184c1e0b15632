//go:build race

package targeting_test

// raceEnabled: the race detector makes sync.Pool drop items, so the
// regexp package allocates its matching state now and then.
const raceEnabled = true
