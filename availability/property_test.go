package availability_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat/availability"
)

// TestStatusConsistentWithNextOpening checks, over random schedules and
// random instants around the daylight-saving changes of 2026, that
//
//   - offline comes with a NextOpening after now at which the hours are
//     open, and they are closed at every minute in between;
//   - open comes with a zero NextOpening, and NextOpening is now;
//   - IsOpen agrees with a plain wall-clock reading of the schedule
//     wherever the zone's clock shows that reading only once.
func TestStatusConsistentWithNextOpening(t *testing.T) {
	zones := []string{"Europe/Stockholm", "America/New_York", "Australia/Lord_Howe", "UTC"}
	periods := []struct{ from, to time.Time }{
		{time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 12, 0, 0, 0, 0, time.UTC)},
		{time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC)},
	}
	r := rand.New(rand.NewPCG(2026, 4))
	samples := 100
	if testing.Short() {
		samples = 30
	}
	agents := []availability.Agent{{ID: "a", Available: true}}
	for _, zone := range zones {
		loc, err := time.LoadLocation(zone)
		require.NoError(t, err)
		for i := range samples {
			s := availability.Defaults()
			s.Mode = availability.ModeOfficeHours
			s.OfficeHours = randomHours(r, zone)
			p := periods[r.IntN(len(periods))]
			now := p.from.Add(time.Duration(r.Int64N(int64(p.to.Sub(p.from)))))
			if changes := transitions(loc, p.from, p.to); len(changes) > 0 && r.IntN(2) == 0 {
				// Near a change: from two days before to a day after.
				now = changes[r.IntN(len(changes))].Add(time.Duration(r.Int64N(int64(72*time.Hour))) - 48*time.Hour)
			}
			if r.IntN(2) == 0 {
				now = now.Truncate(time.Minute) // on range boundaries more often
			}
			name := fmt.Sprintf("%s/%d", zone, i)

			res := availability.Evaluate(s, now, agents)
			open := availability.IsOpen(s.OfficeHours, now)
			next, ok := availability.NextOpening(s.OfficeHours, now)
			checkWallClock(t, name, s.OfficeHours, loc, now)

			if open {
				require.Equal(t, availability.StatusAvailable, res.Status, name)
				require.True(t, res.NextOpening.IsZero(), name)
				require.True(t, ok && next.Equal(now), "%s: open now, so NextOpening is now", name)
				continue
			}
			require.Equal(t, availability.StatusOffline, res.Status, name)
			if empty(s.OfficeHours.Days) {
				require.False(t, ok, name)
				require.True(t, res.NextOpening.IsZero(), name)
				continue
			}
			require.True(t, ok, "%s: %+v opens within 8 days of %v", name, s.OfficeHours, now)
			require.True(t, next.Equal(res.NextOpening), name)
			require.True(t, next.After(now), name)
			require.True(t, availability.IsOpen(s.OfficeHours, next), "%s: open at NextOpening %v", name, next)
			require.LessOrEqual(t, next.Sub(now), 8*24*time.Hour, name)
			for m := now.Add(time.Minute); m.Before(next); m = m.Add(time.Minute) {
				if availability.IsOpen(s.OfficeHours, m) {
					require.Failf(t, "open before NextOpening", "%s: %+v open at %v, now %v, next %v", name, s.OfficeHours, m, now, next)
				}
				checkWallClock(t, name, s.OfficeHours, loc, m)
			}
			require.False(t, availability.IsOpen(s.OfficeHours, next.Add(-time.Nanosecond)), name)
		}
	}
}

// randomHours returns 0 to 3 ranges per day on random minutes, some
// ending at 24:00, some crossing midnight; about one schedule in ten is
// empty.
func randomHours(r *rand.Rand, zone string) availability.OfficeHours {
	h := availability.OfficeHours{TimeZone: zone}
	if r.IntN(10) == 0 {
		return h
	}
	for d := time.Sunday; d <= time.Saturday; d++ {
		for range r.IntN(4) {
			start := r.IntN(24 * 60)
			end := r.IntN(24*60 + 1)
			if r.IntN(8) == 0 {
				end = 24 * 60
			}
			if r.IntN(3) == 0 { // at night, where clocks change
				start = r.IntN(5 * 60)
				end = r.IntN(5 * 60)
			}
			if r.IntN(2) == 0 { // quarter hours meet DST changes and each other
				start -= start % 15
				end -= end % 15
			}
			h.Days.Set(d, append(h.Days.On(d), rng(hhmm(start), hhmm(end)))...)
		}
	}
	return h
}

// transitions returns the instants in [from, to) at which loc's offset
// changes.
func transitions(loc *time.Location, from, to time.Time) []time.Time {
	var out []time.Time
	for t := from; t.Before(to); {
		_, end := t.In(loc).ZoneBounds()
		if end.IsZero() || !end.Before(to) {
			break
		}
		out = append(out, end)
		t = end
	}
	return out
}

func hhmm(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

func empty(d availability.Days) bool {
	for w := time.Sunday; w <= time.Saturday; w++ {
		if len(d.On(w)) > 0 {
			return false
		}
	}
	return true
}

// checkWallClock compares IsOpen with a reading of the schedule on the
// zone's wall clock, which is right except where the clock shows a time
// twice; there the package's rule (first occurrence) decides.
func checkWallClock(t *testing.T, name string, h availability.OfficeHours, loc *time.Location, at time.Time) {
	t.Helper()
	if repeated(at, loc) {
		return
	}
	w := at.In(loc)
	m := w.Hour()*60 + w.Minute()
	want := false
	for _, r := range h.Days.On(w.Weekday()) {
		start, end := minutes(r.Start), minutes(r.End)
		want = want || start <= m && (end <= start || m < end)
	}
	for _, r := range h.Days.On((w.Weekday() + 6) % 7) {
		start, end := minutes(r.Start), minutes(r.End)
		want = want || end <= start && m < end
	}
	if got := availability.IsOpen(h, at); got != want {
		require.Failf(t, "IsOpen differs from the wall clock", "%s: %+v at %v (%v): IsOpen %v", name, h, at, w, got)
	}
}

// repeated reports whether loc's clock shows at's reading at another
// instant too (the hour repeated when clocks fall back).
func repeated(at time.Time, loc *time.Location) bool {
	_, off := at.In(loc).Zone()
	for _, probe := range []time.Time{at.Add(-3 * time.Hour), at.Add(3 * time.Hour)} {
		_, o := probe.In(loc).Zone()
		if o == off {
			continue
		}
		other := at.Add(time.Duration(off-o) * time.Second)
		if _, o2 := other.In(loc).Zone(); o2 == o {
			return true
		}
	}
	return false
}

func minutes(s string) int {
	var h, m int
	fmt.Sscanf(s, "%d:%d", &h, &m)
	return h*60 + m
}
