// Package availability decides what a chat's visitors are told about
// being answered: the status to show now and, outside office hours, when
// the chat opens again.
//
// A chat's [Settings] choose a [Mode]: [ModeAgents] (available while at
// least one eligible agent is available), [ModeOfficeHours] (weekly
// [OfficeHours] in an IANA time zone, any number of [Range]s per day,
// ranges that cross midnight) or [ModeAlways] (24/7); and what the widget
// shows for each [Status].
//
// The entry points are:
//
//   - [Defaults], settings that work as they are;
//   - [Settings.Validate], which reports every problem at once as
//     [Errors], each [FieldError] naming the JSON path of its field
//     ("officeHours.days.monday[1].end: must be HH:MM from 00:00 to 24:00");
//   - [Evaluate], the status of a chat at an instant given its eligible
//     agents' presence and load, with the next opening time and what the
//     widget shows ([Result]);
//   - [IsOpen] and [NextOpening] over office hours alone.
//
// Office hours follow the wall clock of their zone, also on the days it
// changes. When a range starts (or ends) at a time the clock skips
// (spring forward), it starts (or ends) at the first instant after the
// gap. When the clock shows a time twice (fall back), a range starting or
// ending then uses the first of the two instants, so no range is counted
// twice or skipped.
//
// The time-zone database is embedded (time/tzdata), so zones load on any
// machine. The package is a pure leaf: no goroutines, no clock (time is
// passed in), no state beyond a cache of loaded zones. It never imports
// the root livechat package; the root maps its agents onto [Agent].
package availability
