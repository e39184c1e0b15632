package availability

import "time"

// Settings are when a chat counts as answered and what visitors see in
// each status. The zero value is not valid; start from [Defaults].
type Settings struct {
	// Mode is what decides availability. Default ModeAgents.
	Mode Mode `json:"mode"`
	// OfficeHours are used by ModeOfficeHours and kept (and validated
	// when set) in the other modes. Default: Monday to Friday, 09:00 to
	// 17:00 UTC.
	OfficeHours OfficeHours `json:"officeHours"`

	Available  AvailableDisplay  `json:"available"`
	Away       AwayDisplay       `json:"away"`
	Offline    OfflineDisplay    `json:"offline"`
	AtCapacity AtCapacityDisplay `json:"atCapacity"`
}

// Mode is what decides whether a chat is available.
type Mode string

// Availability modes.
const (
	ModeAgents      Mode = "agents"       // at least one eligible agent is available
	ModeOfficeHours Mode = "office_hours" // inside the office hours; then as ModeAgents
	ModeAlways      Mode = "always"       // 24/7
)

// OfficeHours are the weekly opening hours of a chat in one time zone.
type OfficeHours struct {
	// TimeZone is an IANA zone name such as "Europe/Stockholm" or "UTC".
	// Required in ModeOfficeHours. Default "UTC".
	TimeZone string `json:"timeZone"`
	// Days are the ranges of each weekday. No range at all: never open.
	Days Days `json:"days"`
}

// Days are the opening ranges of each weekday, in the zone's wall-clock
// time. A range belongs to the day it starts on; ranges may overlap, and
// the chat is open while any of them is.
type Days struct {
	Monday    []Range `json:"monday"`
	Tuesday   []Range `json:"tuesday"`
	Wednesday []Range `json:"wednesday"`
	Thursday  []Range `json:"thursday"`
	Friday    []Range `json:"friday"`
	Saturday  []Range `json:"saturday"`
	Sunday    []Range `json:"sunday"`
}

// On returns the ranges that start on weekday w.
func (d Days) On(w time.Weekday) []Range {
	if p := (&d).day(w); p != nil {
		return *p
	}
	return nil
}

// Set replaces the ranges that start on weekday w.
func (d *Days) Set(w time.Weekday, ranges ...Range) {
	if p := d.day(w); p != nil {
		*p = ranges
	}
}

func (d *Days) day(w time.Weekday) *[]Range {
	switch w {
	case time.Monday:
		return &d.Monday
	case time.Tuesday:
		return &d.Tuesday
	case time.Wednesday:
		return &d.Wednesday
	case time.Thursday:
		return &d.Thursday
	case time.Friday:
		return &d.Friday
	case time.Saturday:
		return &d.Saturday
	case time.Sunday:
		return &d.Sunday
	}
	return nil
}

// weekdays lists the days in the order of their JSON fields.
var weekdays = [...]struct {
	day  time.Weekday
	name string
}{
	{time.Monday, "monday"}, {time.Tuesday, "tuesday"}, {time.Wednesday, "wednesday"},
	{time.Thursday, "thursday"}, {time.Friday, "friday"}, {time.Saturday, "saturday"},
	{time.Sunday, "sunday"},
}

// Range is one opening range, from Start up to (not including) End, both
// "HH:MM" on the zone's 24-hour clock. Start is 00:00 to 23:59; End is
// 00:00 to 24:00. An End at or before Start is on the next day: 22:00 to
// 02:00 crosses midnight, and 09:00 to 09:00 lasts a whole day.
type Range struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// AvailableDisplay is what the widget shows while the chat is available.
type AvailableDisplay struct {
	// ShowReplyTime shows ReplyTime. Default false.
	ShowReplyTime bool `json:"showReplyTime"`
	// ReplyTime is the typical reply time; required when shown. Default
	// ReplyMinutes.
	ReplyTime ReplyTime `json:"replyTime"`
}

// ReplyTime is a typical reply time, shown in the visitor's language.
type ReplyTime string

// Reply times.
const (
	ReplyMinutes ReplyTime = "minutes" // in a few minutes
	ReplyHour    ReplyTime = "hour"    // in an hour
	ReplyHours   ReplyTime = "hours"   // in a few hours
	ReplyDay     ReplyTime = "day"     // in a day
)

// AwayDisplay is what the widget shows while the chat is away: inside
// office hours (or in ModeAgents) with nobody available.
type AwayDisplay struct {
	// Message is the away message, up to MaxMessageLen characters.
	// Empty: the default text in the chat's language.
	Message string `json:"message"`
	// ShowChat keeps the launcher and the chat, where visitors leave a
	// message; false hides the launcher. Default true.
	ShowChat bool `json:"showChat"`
}

// OfflineDisplay is what the widget shows outside office hours.
type OfflineDisplay struct {
	// Behavior is what shows. Default OfflineReturnTime.
	Behavior OfflineBehavior `json:"behavior"`
	// Message is the away message of OfflineAwayMessage, up to
	// MaxMessageLen characters. Empty: the default text in the chat's
	// language.
	Message string `json:"message"`
}

// OfflineBehavior is what the widget shows outside office hours.
type OfflineBehavior string

// Offline behaviours. All but OfflineHideLauncher keep the chat, where
// visitors leave a message.
const (
	OfflineReturnTime   OfflineBehavior = "return_time"   // when the chat opens again, in the visitor's zone
	OfflineAwayMessage  OfflineBehavior = "away_message"  // OfflineDisplay.Message
	OfflineHideLauncher OfflineBehavior = "hide_launcher" // no launcher, no chat
	OfflineNothing      OfflineBehavior = "nothing"       // the chat as usual
)

// AtCapacityDisplay is what the widget shows while every available
// eligible agent is at their limit of open conversations.
type AtCapacityDisplay struct {
	// Behavior is what shows. Default AtCapacityWaitMessage.
	Behavior AtCapacityBehavior `json:"behavior"`
	// Message is the wait message of AtCapacityWaitMessage, up to
	// MaxMessageLen characters. Empty: the default text in the chat's
	// language.
	Message string `json:"message"`
}

// AtCapacityBehavior is what the widget shows while the chat is at
// capacity.
type AtCapacityBehavior string

// At-capacity behaviours. All but AtCapacityHideLauncher keep the chat;
// new conversations wait in the queue.
const (
	AtCapacityWaitMessage  AtCapacityBehavior = "wait_message"  // AtCapacityDisplay.Message
	AtCapacityHideLauncher AtCapacityBehavior = "hide_launcher" // no launcher, no chat
	AtCapacityNothing      AtCapacityBehavior = "nothing"       // the chat as usual
)

// Defaults returns working settings: availability decided by agents'
// presence; office hours Monday to Friday 09:00 to 17:00 UTC, ready for
// ModeOfficeHours; no reply time shown (ReplyMinutes once ShowReplyTime is
// set); the default away message with the chat still shown; the return
// time when offline; the default wait message at capacity.
func Defaults() Settings {
	work := func() []Range { return []Range{{Start: "09:00", End: "17:00"}} } // one slice per day
	return Settings{
		Mode: ModeAgents,
		OfficeHours: OfficeHours{
			TimeZone: "UTC",
			Days: Days{
				Monday:    work(),
				Tuesday:   work(),
				Wednesday: work(),
				Thursday:  work(),
				Friday:    work(),
			},
		},
		Available:  AvailableDisplay{ReplyTime: ReplyMinutes},
		Away:       AwayDisplay{ShowChat: true},
		Offline:    OfflineDisplay{Behavior: OfflineReturnTime},
		AtCapacity: AtCapacityDisplay{Behavior: AtCapacityWaitMessage},
	}
}
