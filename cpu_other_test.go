//go:build !unix

package livechat

import "time"

func processCPU() (time.Duration, bool) { return 0, false }
