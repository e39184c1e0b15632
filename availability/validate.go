package availability

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits checked by Validate.
const (
	MaxMessageLen   = 1000 // characters of an away, offline or wait message
	MaxRangesPerDay = 48   // ranges starting on one weekday
)

// Validate reports every problem of s at once as [Errors], each with the
// JSON path of its field relative to s, or nil when s is valid.
//
// Office hours are checked in every mode, so switching modes never
// uncovers an invalid schedule; only ModeOfficeHours requires a time zone
// and at least one range. Overlapping ranges are allowed.
func (s Settings) Validate() error {
	var errs Errors
	oneOf(&errs, "mode", s.Mode, ModeAgents, ModeOfficeHours, ModeAlways)
	s.OfficeHours.validate(&errs, s.Mode == ModeOfficeHours)

	switch {
	case s.Available.ReplyTime != "":
		oneOf(&errs, "available.replyTime", s.Available.ReplyTime, ReplyMinutes, ReplyHour, ReplyHours, ReplyDay)
	case s.Available.ShowReplyTime:
		errs.Add("available.replyTime", "required when showReplyTime is set")
	}
	text(&errs, "away.message", s.Away.Message)
	oneOf(&errs, "offline.behavior", s.Offline.Behavior,
		OfflineReturnTime, OfflineAwayMessage, OfflineHideLauncher, OfflineNothing)
	text(&errs, "offline.message", s.Offline.Message)
	oneOf(&errs, "atCapacity.behavior", s.AtCapacity.Behavior,
		AtCapacityWaitMessage, AtCapacityHideLauncher, AtCapacityNothing)
	text(&errs, "atCapacity.message", s.AtCapacity.Message)
	return errs.Err()
}

func (o *OfficeHours) validate(errs *Errors, required bool) {
	switch {
	case o.TimeZone == "":
		if required {
			errs.Add("officeHours.timeZone", "required in office_hours mode")
		}
	case !validZone(o.TimeZone):
		errs.Add("officeHours.timeZone", "unknown IANA time zone")
	}
	empty := true
	for _, wd := range weekdays {
		ranges := o.Days.On(wd.day)
		path := "officeHours.days." + wd.name
		if len(ranges) > MaxRangesPerDay {
			errs.Add(path, fmt.Sprintf("at most %d ranges", MaxRangesPerDay))
			continue
		}
		empty = empty && len(ranges) == 0
		for i, r := range ranges {
			p := path + "[" + strconv.Itoa(i) + "]"
			if _, ok := clock(r.Start, false); !ok {
				errs.Add(p+".start", "must be HH:MM from 00:00 to 23:59")
			}
			if _, ok := clock(r.End, true); !ok {
				errs.Add(p+".end", "must be HH:MM from 00:00 to 24:00")
			}
		}
	}
	if required && empty {
		errs.Add("officeHours.days", "at least one range in office_hours mode")
	}
}

// validZone accepts IANA names (and "UTC"), never "Local", whose meaning
// depends on the machine.
func validZone(name string) bool {
	_, ok := location(name)
	return ok && strings.TrimSpace(name) == name
}

// text checks that s is valid UTF-8 of at most MaxMessageLen runes.
func text(errs *Errors, path, s string) {
	switch {
	case !utf8.ValidString(s):
		errs.Add(path, "must be valid UTF-8")
	case utf8.RuneCountInString(s) > MaxMessageLen:
		errs.Add(path, fmt.Sprintf("must be at most %d characters", MaxMessageLen))
	}
}

// oneOf checks that v is one of the allowed values.
func oneOf[T ~string](errs *Errors, path string, v T, allowed ...T) {
	if slices.Contains(allowed, v) {
		return
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	errs.Add(path, "must be one of "+strings.Join(names, ", "))
}
