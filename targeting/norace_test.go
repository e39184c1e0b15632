//go:build !race

package targeting_test

const raceEnabled = false
