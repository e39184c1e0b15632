package availability

import (
	"sync"
	"time"
	_ "time/tzdata" // zones load on machines without a zone database
)

// searchDays is how far ahead NextOpening looks: a weekly schedule that
// opens at all opens within a week, plus a day for a range lost in a gap.
const searchDays = 8

// IsOpen reports whether the office hours s are open at now: whether now
// lies in one of the ranges, each from its start up to (not including)
// its end. An unknown time zone, an empty schedule and invalid ranges are
// never open; an empty TimeZone is UTC.
func IsOpen(s OfficeHours, now time.Time) bool {
	loc, ok := location(s.TimeZone)
	if !ok {
		return false
	}
	open := false
	eachInterval(s.Days, loc, now, -1, 1, func(start, end time.Time) bool {
		open = !now.Before(start) && now.Before(end)
		return !open
	})
	return open
}

// NextOpening returns the first instant at or after now at which the
// office hours s are open: now itself while they are open, else the start
// of the next range, in s's time zone. It looks at most 8 days ahead;
// ok is false when nothing opens by then (an empty schedule, an unknown
// time zone).
func NextOpening(s OfficeHours, now time.Time) (next time.Time, ok bool) {
	loc, found := location(s.TimeZone)
	if !found {
		return time.Time{}, false
	}
	eachInterval(s.Days, loc, now, -1, searchDays, func(start, end time.Time) bool {
		if !end.After(now) {
			return true
		}
		if start.Before(now) {
			start = now
		}
		if !ok || start.Before(next) {
			next, ok = start, true
		}
		return true
	})
	if !ok {
		return time.Time{}, false
	}
	return next.In(loc), true
}

// eachInterval calls f with the [start, end) instants of every non-empty
// range starting on the local dates from first to last days after the
// date of now in loc, until f returns false.
func eachInterval(days Days, loc *time.Location, now time.Time, first, last int, f func(start, end time.Time) bool) {
	y, m, d := now.In(loc).Date()
	for k := first; k <= last; k++ {
		date := time.Date(y, m, d+k, 0, 0, 0, 0, time.UTC) // calendar arithmetic, no zone
		for _, r := range days.On(date.Weekday()) {
			from, ok1 := clock(r.Start, false)
			to, ok2 := clock(r.End, true)
			if !ok1 || !ok2 {
				continue
			}
			if to <= from {
				to += 24 * 60
			}
			start, end := wallInstant(loc, date, from), wallInstant(loc, date, to)
			if start.Before(end) && !f(start, end) {
				return
			}
		}
	}
}

// wallInstant returns the earliest instant at which loc's clock reads the
// given minutes after midnight of date (minutes may run into the next
// day). When the clock reads that time twice (fall back) that is the first
// of them; when it skips it (spring forward), the first instant after the
// gap. time.Date leaves both cases unspecified, hence the walk over the
// zone's periods.
func wallInstant(loc *time.Location, date time.Time, minutes int) time.Time {
	wall := date.Unix() + int64(minutes)*60 // the reading, as seconds of a UTC clock
	// UTC offsets lie within ±15h, so the instant lies in this window, and
	// every instant before it reads less than wall.
	const window = 15 * 3600
	t := time.Unix(wall-window, 0).In(loc)
	for range 16 { // a handful of zone periods at most
		_, off := t.Zone()
		start, end := t.ZoneBounds()
		// In this period the clock reads wall at wall-off; if that falls
		// before the period, the reading jumped past wall at its start.
		c := wall - int64(off)
		if !start.IsZero() && c < start.Unix() {
			c = start.Unix()
		}
		if end.IsZero() || c < end.Unix() {
			return time.Unix(c, 0).In(loc)
		}
		if end.Unix() > wall+window {
			break
		}
		t = end.In(loc)
	}
	// Unreachable for real zones; keep time's own answer.
	return time.Date(date.Year(), date.Month(), date.Day(), 0, minutes, 0, 0, loc)
}

// clock parses "HH:MM" into minutes after midnight: 00:00 to 23:59, and
// 24:00 when end is set.
func clock(s string, end bool) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	for _, i := range [...]int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	m := int(s[3]-'0')*10 + int(s[4]-'0')
	switch {
	case m > 59, h > 24, h == 24 && (!end || m != 0):
		return 0, false
	}
	return h*60 + m, true
}

// maxZoneLen bounds the zone names worth a look-up; IANA names are far
// shorter.
const maxZoneLen = 64

// zones caches loaded locations by name, so a zone is read once per
// process. Only real zones enter it, so it stays small.
var zones sync.Map // string → *time.Location

// location loads an IANA zone; "" is UTC. "Local" is refused: it would
// depend on the machine.
func location(name string) (*time.Location, bool) {
	if name == "" {
		return time.UTC, true
	}
	if v, ok := zones.Load(name); ok {
		return v.(*time.Location), true
	}
	if name == "Local" || len(name) > maxZoneLen {
		return nil, false
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, false
	}
	zones.Store(name, loc)
	return loc, true
}
