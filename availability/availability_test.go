package availability_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/golivechat/livechat/availability"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// instant parses an RFC 3339 time; the offset says which side of a
// daylight-saving change is meant.
func instant(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339, s)
	require.NoError(tb, err)
	return t
}

// week returns office hours in zone with ranges on the given days.
func week(zone string, days map[time.Weekday][]availability.Range) availability.OfficeHours {
	h := availability.OfficeHours{TimeZone: zone}
	for d, r := range days {
		h.Days.Set(d, r...)
	}
	return h
}

func rng(start, end string) availability.Range {
	return availability.Range{Start: start, End: end}
}

func weekdays9to17(zone string) availability.OfficeHours {
	r := []availability.Range{rng("09:00", "17:00")}
	return week(zone, map[time.Weekday][]availability.Range{
		time.Monday: r, time.Tuesday: r, time.Wednesday: r, time.Thursday: r, time.Friday: r,
	})
}

func on(zone string, d time.Weekday, ranges ...availability.Range) availability.OfficeHours {
	return week(zone, map[time.Weekday][]availability.Range{d: ranges})
}

const (
	sthlm = "Europe/Stockholm"
	ny    = "America/New_York"
)

func TestIsOpen(t *testing.T) {
	var (
		office   = weekdays9to17(sthlm)
		lunch    = on(sthlm, time.Monday, rng("09:00", "12:00"), rng("13:00", "17:00"))
		late     = on(sthlm, time.Friday, rng("22:00", "02:00"))
		midnight = on(sthlm, time.Friday, rng("20:00", "24:00"))
		adjacent = week(sthlm, map[time.Weekday][]availability.Range{
			time.Friday: {rng("20:00", "24:00")}, time.Saturday: {rng("00:00", "01:00")},
		})
		wholeDay = on(sthlm, time.Monday, rng("00:00", "00:00"))
		always   = week(sthlm, map[time.Weekday][]availability.Range{
			time.Monday: {rng("00:00", "24:00")}, time.Tuesday: {rng("00:00", "24:00")},
			time.Wednesday: {rng("00:00", "24:00")}, time.Thursday: {rng("00:00", "24:00")},
			time.Friday: {rng("00:00", "24:00")}, time.Saturday: {rng("00:00", "24:00")},
			time.Sunday: {rng("00:00", "24:00")},
		})
		springSthlm  = on(sthlm, time.Sunday, rng("02:30", "04:00"))
		inGapSthlm   = on(sthlm, time.Sunday, rng("02:00", "02:30"))
		intoGapSthlm = on(sthlm, time.Saturday, rng("23:00", "02:30"))
		fallSthlm    = on(sthlm, time.Sunday, rng("02:30", "04:00"))
		twiceSthlm   = on(sthlm, time.Sunday, rng("02:00", "02:30"))
		endTwice     = on(sthlm, time.Sunday, rng("01:00", "02:30"))
		springNY     = on(ny, time.Sunday, rng("02:30", "04:00"))
		fallNY       = on(ny, time.Sunday, rng("01:30", "03:00"))
		twiceNY      = on(ny, time.Sunday, rng("01:00", "01:30"))
	)
	tests := []struct {
		name  string
		hours availability.OfficeHours
		at    string
		want  bool
	}{
		// 2026-03-02 is a Monday, 2026-03-06 a Friday.
		{"OpenAtStart", office, "2026-03-02T09:00:00+01:00", true},
		{"OpenBeforeEnd", office, "2026-03-06T16:59:59+01:00", true},
		{"ClosedAtEnd", office, "2026-03-06T17:00:00+01:00", false},
		{"ClosedBeforeStart", office, "2026-03-02T08:59:00+01:00", false},
		{"ClosedOnSaturday", office, "2026-03-07T12:00:00+01:00", false},
		{"OpenInZoneNotUTC", office, "2026-03-02T08:30:00Z", true},    // 09:30 in Stockholm
		{"ClosedInZoneNotUTC", office, "2026-03-02T16:30:00Z", false}, // 17:30 in Stockholm
		{"OpenFirstRange", lunch, "2026-03-02T11:59:00+01:00", true},
		{"ClosedBetweenRanges", lunch, "2026-03-02T12:30:00+01:00", false},
		{"OpenSecondRange", lunch, "2026-03-02T13:00:00+01:00", true},
		{"OpenBeforeMidnight", late, "2026-03-06T23:00:00+01:00", true},
		{"OpenAfterMidnight", late, "2026-03-07T01:30:00+01:00", true},
		{"ClosedAtCrossingEnd", late, "2026-03-07T02:00:00+01:00", false},
		{"ClosedEarlyOnStartDay", late, "2026-03-06T01:30:00+01:00", false},
		{"OpenBefore2400", midnight, "2026-03-06T23:59:00+01:00", true},
		{"ClosedAt2400", midnight, "2026-03-07T00:00:00+01:00", false},
		{"OpenAcrossAdjacentRanges", adjacent, "2026-03-07T00:00:00+01:00", true},
		{"OpenWholeDayStart", wholeDay, "2026-03-02T00:00:00+01:00", true},
		{"OpenWholeDayEnd", wholeDay, "2026-03-02T23:59:59+01:00", true},
		{"ClosedAfterWholeDay", wholeDay, "2026-03-03T00:00:00+01:00", false},
		{"OpenAllWeek", always, "2026-03-29T02:59:59+01:00", true},
		{"OpenAllWeekAfterGap", always, "2026-03-29T03:00:00+02:00", true},
		{"ClosedEmpty", availability.OfficeHours{TimeZone: sthlm}, "2026-03-02T12:00:00+01:00", false},
		{"ClosedUnknownZone", weekdays9to17("Mars/Olympus"), "2026-03-02T12:00:00+01:00", false},
		{"ClosedLocalZone", weekdays9to17("Local"), "2026-03-02T12:00:00Z", false},
		{"OpenEmptyZoneIsUTC", weekdays9to17(""), "2026-03-02T09:00:00Z", true},
		{"ClosedInvalidRange", on(sthlm, time.Monday, rng("9:00", "17:00")), "2026-03-02T12:00:00+01:00", false},

		// Stockholm springs forward 2026-03-29 02:00 CET → 03:00 CEST.
		{"ClosedBeforeSpringGap", springSthlm, "2026-03-29T01:59:00+01:00", false},
		{"OpenAtFirstInstantAfterGap", springSthlm, "2026-03-29T03:00:00+02:00", true},
		{"OpenAfterGapUntilEnd", springSthlm, "2026-03-29T03:59:00+02:00", true},
		{"ClosedAfterGapAtEnd", springSthlm, "2026-03-29T04:00:00+02:00", false},
		{"ClosedRangeInsideGapBefore", inGapSthlm, "2026-03-29T01:59:00+01:00", false},
		{"ClosedRangeInsideGapAfter", inGapSthlm, "2026-03-29T03:00:00+02:00", false},
		{"OpenRangeEndingInGap", intoGapSthlm, "2026-03-29T01:59:00+01:00", true},
		{"ClosedRangeEndedByGap", intoGapSthlm, "2026-03-29T03:00:00+02:00", false},
		{"OpenRangeInsideGapNextWeek", inGapSthlm, "2026-04-05T02:10:00+02:00", true},

		// Stockholm falls back 2026-10-25 03:00 CEST → 02:00 CET.
		{"OpenFirstPassOfRepeatedHour", fallSthlm, "2026-10-25T02:30:00+02:00", true},
		{"OpenSecondPassOfRepeatedHour", fallSthlm, "2026-10-25T02:15:00+01:00", true},
		{"OpenAfterFallBack", fallSthlm, "2026-10-25T03:59:00+01:00", true},
		{"ClosedAfterFallBackAtEnd", fallSthlm, "2026-10-25T04:00:00+01:00", false},
		{"ClosedBeforeFirstPass", fallSthlm, "2026-10-25T02:29:00+02:00", false},
		{"OpenRepeatedRangeOnce", twiceSthlm, "2026-10-25T02:10:00+02:00", true},
		{"ClosedRepeatedRangeNotTwice", twiceSthlm, "2026-10-25T02:10:00+01:00", false},
		{"ClosedEndAtFirstPass", endTwice, "2026-10-25T02:45:00+02:00", false},
		{"ClosedEndNotAtSecondPass", endTwice, "2026-10-25T02:10:00+01:00", false},
		{"OpenBeforeEndFirstPass", endTwice, "2026-10-25T02:29:00+02:00", true},

		// New York springs forward 2026-03-08 02:00 EST → 03:00 EDT and
		// falls back 2026-11-01 02:00 EDT → 01:00 EST.
		{"ClosedBeforeSpringGapNY", springNY, "2026-03-08T01:59:00-05:00", false},
		{"OpenAtFirstInstantAfterGapNY", springNY, "2026-03-08T03:00:00-04:00", true},
		{"ClosedAtEndNY", springNY, "2026-03-08T04:00:00-04:00", false},
		{"OpenFirstPassNY", fallNY, "2026-11-01T01:30:00-04:00", true},
		{"OpenSecondPassNY", fallNY, "2026-11-01T01:15:00-05:00", true},
		{"ClosedAtEndAfterFallBackNY", fallNY, "2026-11-01T03:00:00-05:00", false},
		{"OpenRepeatedRangeOnceNY", twiceNY, "2026-11-01T01:10:00-04:00", true},
		{"ClosedRepeatedRangeNotTwiceNY", twiceNY, "2026-11-01T01:10:00-05:00", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, availability.IsOpen(tt.hours, instant(t, tt.at)))
		})
	}
}

func TestNextOpening(t *testing.T) {
	tests := []struct {
		name  string
		hours availability.OfficeHours
		now   string
		want  string // empty: never opens
	}{
		{"NowWhenOpen", weekdays9to17(sthlm), "2026-03-02T10:00:00+01:00", "2026-03-02T10:00:00+01:00"},
		{"LaterToday", weekdays9to17(sthlm), "2026-03-02T07:00:00+01:00", "2026-03-02T09:00:00+01:00"},
		{"TomorrowAfterEnd", weekdays9to17(sthlm), "2026-03-02T17:00:00+01:00", "2026-03-03T09:00:00+01:00"},
		{"MondayAfterWeekend", weekdays9to17(sthlm), "2026-03-06T18:00:00+01:00", "2026-03-09T09:00:00+01:00"},
		{"MondayAcrossSpringForward", weekdays9to17(sthlm), "2026-03-27T18:00:00+01:00", "2026-03-30T09:00:00+02:00"},
		{"MondayAcrossFallBack", weekdays9to17(sthlm), "2026-10-23T18:00:00+02:00", "2026-10-26T09:00:00+01:00"},
		{"MondayAcrossSpringForwardNY", weekdays9to17(ny), "2026-03-06T18:00:00-05:00", "2026-03-09T09:00:00-04:00"},
		{"MondayAcrossFallBackNY", weekdays9to17(ny), "2026-10-30T18:00:00-04:00", "2026-11-02T09:00:00-05:00"},
		{"SecondRangeOfDay", on(sthlm, time.Monday, rng("09:00", "12:00"), rng("13:00", "17:00")),
			"2026-03-02T12:00:00+01:00", "2026-03-02T13:00:00+01:00"},
		{"CrossingRangeStart", on(sthlm, time.Friday, rng("22:00", "02:00")), "2026-03-06T21:00:00+01:00", "2026-03-06T22:00:00+01:00"},
		{"NowInsideCrossingRange", on(sthlm, time.Friday, rng("22:00", "02:00")), "2026-03-07T01:30:00+01:00", "2026-03-07T01:30:00+01:00"},
		{"NextWeekSameDay", on(sthlm, time.Monday, rng("09:00", "10:00")), "2026-03-02T10:00:00+01:00", "2026-03-09T09:00:00+01:00"},
		{"NowBefore2400", on(sthlm, time.Sunday, rng("23:00", "24:00")), "2026-03-01T23:30:00+01:00", "2026-03-01T23:30:00+01:00"},
		{"FirstInstantAfterSpringGap", on(sthlm, time.Sunday, rng("02:30", "04:00")),
			"2026-03-28T20:00:00+01:00", "2026-03-29T03:00:00+02:00"},
		{"FirstInstantAfterSpringGapNY", on(ny, time.Sunday, rng("02:30", "04:00")),
			"2026-03-07T20:00:00-05:00", "2026-03-08T03:00:00-04:00"},
		{"NextWeekWhenRangeLostInGap", on(sthlm, time.Sunday, rng("02:00", "02:30")),
			"2026-03-28T20:00:00+01:00", "2026-04-05T02:00:00+02:00"},
		{"FirstPassOfRepeatedHour", on(sthlm, time.Sunday, rng("02:30", "04:00")),
			"2026-10-24T20:00:00+02:00", "2026-10-25T02:30:00+02:00"},
		{"NotSecondPassOfRepeatedHour", on(sthlm, time.Sunday, rng("02:00", "02:30")),
			"2026-10-25T02:40:00+02:00", "2026-11-01T02:00:00+01:00"},
		{"NotSecondPassOfRepeatedHourNY", on(ny, time.Sunday, rng("01:00", "01:30")),
			"2026-11-01T01:45:00-04:00", "2026-11-08T01:00:00-05:00"},
		{"NeverEmpty", availability.OfficeHours{TimeZone: sthlm}, "2026-03-02T10:00:00+01:00", ""},
		{"NeverUnknownZone", weekdays9to17("Nowhere/Special"), "2026-03-02T10:00:00+01:00", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := availability.NextOpening(tt.hours, instant(t, tt.now))
			if tt.want == "" {
				require.False(t, ok)
				require.True(t, got.IsZero())
				return
			}
			require.True(t, ok)
			want := instant(t, tt.want)
			require.Truef(t, want.Equal(got), "want %v, got %v", want, got)
			require.Equal(t, tt.hours.TimeZone, got.Location().String(), "in the office hours' zone")
		})
	}
}
