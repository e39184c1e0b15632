package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// num is a figure that may be unknown (NaN); JSON shows an unknown one as
// null.
type num float64

var nan = num(math.NaN())

// MarshalJSON writes null for NaN and infinities.
func (n num) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, f, 'g', 6, 64), nil
}

// UnmarshalJSON reads null as NaN.
func (n *num) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = nan
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return err
	}
	*n = num(f)
	return nil
}

// unknown reports whether the figure is unknown or infinite.
func (n num) unknown() bool { return math.IsNaN(float64(n)) || math.IsInf(float64(n), 0) }

// row is one figure of ours against the ceiling's.
type row struct {
	Metric  string `json:"metric"`
	Unit    string `json:"unit,omitempty"`
	Ours    num    `json:"ours"`
	Ceiling num    `json:"ceiling"`
	// Ratio is Ours / Ceiling.
	Ratio num `json:"ratio"`
}

// grid is a table of strings, for the steps of a scenario.
type grid struct {
	Header []string   `json:"-"`
	Rows   [][]string `json:"-"`
}

// table is one scenario's result.
type table struct {
	Scenario string   `json:"scenario"`
	Title    string   `json:"title"`
	Rows     []row    `json:"rows"`
	Notes    []string `json:"notes,omitempty"`
	Steps    *grid    `json:"-"`
	Result   any      `json:"result,omitempty"`
}

func (t *table) add(metric, unit string, ours, ceiling float64) {
	// A ceiling of 0 has no ratio: ours/0 would be +Inf.
	ratio := ours / ceiling
	if ceiling == 0 {
		ratio = math.NaN()
	}
	t.Rows = append(t.Rows, row{Metric: metric, Unit: unit, Ours: num(ours), Ceiling: num(ceiling), Ratio: num(ratio)})
}

// report is everything one run printed.
type report struct {
	Command   string    `json:"command"`
	Time      time.Time `json:"time"`
	Machine   machine   `json:"machine"`
	ServerCPU string    `json:"serverCpu,omitempty"`
	LoadCPU   string    `json:"loadCpu,omitempty"`
	Storage   string    `json:"storage"`
	URL       string    `json:"url,omitempty"`
	Tables    []*table  `json:"tables"`
}

// machine describes where the run happened.
type machine struct {
	CPUs        int    `json:"cpus"`
	LoadAverage string `json:"loadAverage"`
	GoVersion   string `json:"goVersion"`
	Pinning     string `json:"pinning"`
	Nice        int    `json:"nice,omitempty"`
}

func newReport(o *options) *report {
	pin := "none"
	if o.serverCPU != "" || o.loadCPU != "" {
		pin = "unavailable (no taskset)"
		if tasksetAvailable() {
			pin = fmt.Sprintf("taskset: server CPU %q, load CPU %q", o.serverCPU, o.loadCPU)
		}
	}
	return &report{
		Command:   strings.Join(append([]string{"livechat-load"}, os.Args[1:]...), " "),
		Time:      time.Now().UTC().Truncate(time.Second),
		ServerCPU: o.serverCPU,
		LoadCPU:   o.loadCPU,
		Storage:   o.storage,
		URL:       o.url,
		Machine: machine{
			CPUs:        runtime.NumCPU(),
			LoadAverage: loadAverage(),
			GoVersion:   runtime.Version(),
			Pinning:     pin,
			Nice:        o.nice,
		},
	}
}

func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func writeJSON(w io.Writer, rep *report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// writeText prints each scenario as an aligned table: ours, the ceiling
// and their ratio, then its steps.
func writeText(w io.Writer, rep *report) {
	fmt.Fprintf(w, "# %s\n# %s, %d CPUs, load average %s, %s, pinning: %s, nice %d\n",
		rep.Command, rep.Time.Format(time.RFC3339), rep.Machine.CPUs, rep.Machine.LoadAverage, rep.Machine.GoVersion, rep.Machine.Pinning, rep.Machine.Nice)
	for _, t := range rep.Tables {
		fmt.Fprintf(w, "\n## %s\n", t.Title)
		writeGrid(w, rowsGrid(t.Rows))
		if t.Steps != nil && len(t.Steps.Rows) > 0 {
			fmt.Fprintln(w)
			writeGrid(w, t.Steps)
		}
		for _, n := range t.Notes {
			fmt.Fprintf(w, "note: %s\n", n)
		}
	}
}

// rowsGrid lays out a scenario's figures.
func rowsGrid(rows []row) *grid {
	g := &grid{Header: []string{"metric", "unit", "ours", "ceiling", "ratio"}}
	for _, r := range rows {
		g.Rows = append(g.Rows, []string{r.Metric, r.Unit, fmtNum(float64(r.Ours)), fmtNum(float64(r.Ceiling)), fmtRatio(float64(r.Ratio))})
	}
	return g
}

// writeGrid prints g with its first column aligned left and the others
// right, two spaces apart.
func writeGrid(w io.Writer, g *grid) {
	width := make([]int, len(g.Header))
	all := append([][]string{g.Header}, g.Rows...)
	for _, r := range all {
		for i, c := range r {
			if i < len(width) {
				width[i] = max(width[i], utf8.RuneCountInString(c))
			}
		}
	}
	for _, r := range all {
		var b strings.Builder
		for i, c := range r {
			if i >= len(width) {
				break
			}
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if i == 0 {
				b.WriteString(c + pad)
			} else {
				b.WriteString("  " + pad + c)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

// fmtNum prints a figure with three significant digits or so, "-" when
// unknown.
func fmtNum(f float64) string {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return "-"
	case f == math.Trunc(f) && math.Abs(f) < 1e15:
		return strconv.FormatFloat(f, 'f', 0, 64)
	case math.Abs(f) >= 100:
		return strconv.FormatFloat(f, 'f', 0, 64)
	case math.Abs(f) >= 10:
		return strconv.FormatFloat(f, 'f', 1, 64)
	default:
		return strconv.FormatFloat(f, 'f', 2, 64)
	}
}

func fmtRatio(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "-"
	}
	return strconv.FormatFloat(f, 'f', 2, 64) + "×"
}

func fmtMap(m map[string]int) string {
	if len(m) == 0 {
		return "0"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s:%d", strings.ReplaceAll(k, " ", "/"), m[k]))
	}
	return strings.Join(parts, ",")
}

// get makes a control request to the child and discards the answer.
func (c *child) get(ctx context.Context, path string) error {
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	return resp.Body.Close()
}
