package livechat

import "testing"

// CPUMeter reports a benchmark's CPU time per operation (the whole
// process's, client and server alike) as "cpu-ns/op": on a machine shared
// with other work it says more than the time on the clock, which includes
// the waits for a CPU.
type CPUMeter struct {
	b     *testing.B
	start int64
	ok    bool
}

// MeterCPU starts measuring; call Report after the benchmark's loop.
func MeterCPU(b *testing.B) *CPUMeter {
	d, ok := processCPU()
	return &CPUMeter{b: b, start: int64(d), ok: ok}
}

// Report adds the metric for the b.N operations since MeterCPU.
func (m *CPUMeter) Report() {
	d, ok := processCPU()
	if m.ok && ok && m.b.N > 0 {
		m.b.ReportMetric(float64(int64(d)-m.start)/float64(m.b.N), "cpu-ns/op")
	}
}
