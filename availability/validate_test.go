package availability_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat/availability"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(s *availability.Settings)
		want   availability.Errors // nil: valid
	}{
		{"OK", func(s *availability.Settings) {}, nil},
		{"OKOfficeHours", func(s *availability.Settings) { s.Mode = "office_hours" }, nil},
		{"OKAlways", func(s *availability.Settings) { s.Mode = "always" }, nil},
		{"OKZones", func(s *availability.Settings) {
			s.Mode = "office_hours"
			s.OfficeHours.TimeZone = "America/New_York"
		}, nil},
		{"OKEmptyScheduleOutsideOfficeHours", func(s *availability.Settings) {
			s.OfficeHours = availability.OfficeHours{}
		}, nil},
		{"OKCrossingAnd2400", func(s *availability.Settings) {
			s.OfficeHours.Days.Friday = []availability.Range{rng("22:00", "02:00"), rng("00:00", "24:00"), rng("23:59", "00:00")}
		}, nil},
		{"OKMaxRanges", func(s *availability.Settings) {
			s.OfficeHours.Days.Sunday = make([]availability.Range, availability.MaxRangesPerDay)
			for i := range s.OfficeHours.Days.Sunday {
				s.OfficeHours.Days.Sunday[i] = rng("10:00", "11:00")
			}
		}, nil},
		{"OKMessagesAt1000Runes", func(s *availability.Settings) {
			s.Away.Message = strings.Repeat("é", 1000)
			s.Offline.Message = strings.Repeat("é", 1000)
			s.AtCapacity.Message = strings.Repeat("é", 1000)
		}, nil},
		{"OKReplyTimeShown", func(s *availability.Settings) {
			s.Available = availability.AvailableDisplay{ShowReplyTime: true, ReplyTime: "day"}
		}, nil},
		{"OKReplyTimeEmptyWhenHidden", func(s *availability.Settings) { s.Available.ReplyTime = "" }, nil},

		{"ErrMode", func(s *availability.Settings) { s.Mode = "never" },
			availability.Errors{{Path: "mode", Message: "must be one of agents, office_hours, always"}}},
		{"ErrTimeZoneRequired", func(s *availability.Settings) {
			s.Mode = "office_hours"
			s.OfficeHours.TimeZone = ""
		}, availability.Errors{{Path: "officeHours.timeZone", Message: "required in office_hours mode"}}},
		{"ErrTimeZoneUnknown", func(s *availability.Settings) { s.OfficeHours.TimeZone = "Europe/Atlantis" },
			availability.Errors{{Path: "officeHours.timeZone", Message: "unknown IANA time zone"}}},
		{"ErrTimeZoneLocal", func(s *availability.Settings) { s.OfficeHours.TimeZone = "Local" },
			availability.Errors{{Path: "officeHours.timeZone", Message: "unknown IANA time zone"}}},
		{"ErrTimeZonePath", func(s *availability.Settings) { s.OfficeHours.TimeZone = "../../etc/passwd" },
			availability.Errors{{Path: "officeHours.timeZone", Message: "unknown IANA time zone"}}},
		{"ErrTimeZoneSpaces", func(s *availability.Settings) { s.OfficeHours.TimeZone = " UTC" },
			availability.Errors{{Path: "officeHours.timeZone", Message: "unknown IANA time zone"}}},
		{"ErrNoRangesInOfficeHours", func(s *availability.Settings) {
			s.Mode = "office_hours"
			s.OfficeHours.Days = availability.Days{}
		}, availability.Errors{{Path: "officeHours.days", Message: "at least one range in office_hours mode"}}},
		{"ErrRanges", func(s *availability.Settings) {
			s.OfficeHours.Days.Monday = []availability.Range{rng("09:00", "12:00"), rng("13:00", "5pm")}
			s.OfficeHours.Days.Wednesday = []availability.Range{rng("24:00", "24:01")}
			s.OfficeHours.Days.Sunday = []availability.Range{rng("9:00", "12:60"), rng("", "")}
		}, availability.Errors{
			{Path: "officeHours.days.monday[1].end", Message: "must be HH:MM from 00:00 to 24:00"},
			{Path: "officeHours.days.wednesday[0].start", Message: "must be HH:MM from 00:00 to 23:59"},
			{Path: "officeHours.days.wednesday[0].end", Message: "must be HH:MM from 00:00 to 24:00"},
			{Path: "officeHours.days.sunday[0].start", Message: "must be HH:MM from 00:00 to 23:59"},
			{Path: "officeHours.days.sunday[0].end", Message: "must be HH:MM from 00:00 to 24:00"},
			{Path: "officeHours.days.sunday[1].start", Message: "must be HH:MM from 00:00 to 23:59"},
			{Path: "officeHours.days.sunday[1].end", Message: "must be HH:MM from 00:00 to 24:00"},
		}},
		{"ErrTooManyRanges", func(s *availability.Settings) {
			s.OfficeHours.Days.Tuesday = make([]availability.Range, availability.MaxRangesPerDay+1)
		}, availability.Errors{{Path: "officeHours.days.tuesday", Message: "at most 48 ranges"}}},
		{"ErrReplyTime", func(s *availability.Settings) { s.Available.ReplyTime = "week" },
			availability.Errors{{Path: "available.replyTime", Message: "must be one of minutes, hour, hours, day"}}},
		{"ErrReplyTimeRequired", func(s *availability.Settings) {
			s.Available = availability.AvailableDisplay{ShowReplyTime: true}
		}, availability.Errors{{Path: "available.replyTime", Message: "required when showReplyTime is set"}}},
		{"ErrMessages", func(s *availability.Settings) {
			s.Away.Message = strings.Repeat("x", 1001)
			s.Offline.Message = "\xff"
			s.AtCapacity.Message = strings.Repeat("é", 1001)
		}, availability.Errors{
			{Path: "away.message", Message: "must be at most 1000 characters"},
			{Path: "offline.message", Message: "must be valid UTF-8"},
			{Path: "atCapacity.message", Message: "must be at most 1000 characters"},
		}},
		{"ErrBehaviors", func(s *availability.Settings) {
			s.Offline.Behavior = "close"
			s.AtCapacity.Behavior = ""
		}, availability.Errors{
			{Path: "offline.behavior", Message: "must be one of return_time, away_message, hide_launcher, nothing"},
			{Path: "atCapacity.behavior", Message: "must be one of wait_message, hide_launcher, nothing"},
		}},
		{"ErrZeroValueEverything", func(s *availability.Settings) { *s = availability.Settings{} },
			availability.Errors{
				{Path: "mode", Message: "must be one of agents, office_hours, always"},
				{Path: "offline.behavior", Message: "must be one of return_time, away_message, hide_launcher, nothing"},
				{Path: "atCapacity.behavior", Message: "must be one of wait_message, hide_launcher, nothing"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := availability.Defaults()
			tt.change(&s)
			err := s.Validate()
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			var errs availability.Errors
			require.True(t, errors.As(err, &errs), "error %v is Errors", err)
			require.Equal(t, tt.want, errs)
		})
	}
}

func TestErrors(t *testing.T) {
	s := availability.Defaults()
	s.Mode = "never"
	s.OfficeHours.Days.Set(time.Monday, rng("09:00", "25:00"))
	err := s.Validate()
	require.EqualError(t, err, "mode: must be one of agents, office_hours, always; officeHours.days.monday[0].end: must be HH:MM from 00:00 to 24:00")

	var errs availability.Errors
	require.ErrorAs(t, err, &errs)
	require.Equal(t, availability.Errors{
		{Path: "availability.mode", Message: "must be one of agents, office_hours, always"},
		{Path: "availability.officeHours.days.monday[0].end", Message: "must be HH:MM from 00:00 to 24:00"},
	}, errs.Prefix("availability."))
	require.Equal(t, "whole", availability.FieldError{Message: "whole"}.Error())
}
