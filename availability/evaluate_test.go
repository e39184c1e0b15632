package availability_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat/availability"
)

func TestEvaluate(t *testing.T) {
	var (
		free    = availability.Agent{ID: "a", Available: true, Open: 2, Capacity: 3}
		full    = availability.Agent{ID: "b", Available: true, Open: 3, Capacity: 3}
		over    = availability.Agent{ID: "c", Available: true, Open: 5, Capacity: 3} // limit lowered
		endless = availability.Agent{ID: "d", Available: true, Open: 40}             // capacity 0: unlimited
		away    = availability.Agent{ID: "e", Open: 0, Capacity: 3}

		inside  = "2026-03-02T10:00:00+01:00" // Monday, inside 09:00–17:00 Stockholm
		outside = "2026-03-06T18:00:00+01:00" // Friday evening
		monday  = "2026-03-09T09:00:00+01:00"
	)
	mode := func(m availability.Mode) availability.Settings {
		s := availability.Defaults()
		s.Mode = m
		s.OfficeHours = weekdays9to17(sthlm)
		return s
	}
	tests := []struct {
		name   string
		s      availability.Settings
		now    string
		agents []availability.Agent
		want   availability.Result
	}{
		{"AlwaysAvailableWithFreeAgent", mode(availability.ModeAlways), outside, []availability.Agent{full, free},
			availability.Result{Status: availability.StatusAvailable, ShowChat: true}},
		{"AlwaysAvailableWithoutAgents", mode(availability.ModeAlways), outside, nil,
			availability.Result{Status: availability.StatusAvailable, ShowChat: true}},
		{"AlwaysAvailableWithNobodyAvailable", mode(availability.ModeAlways), outside, []availability.Agent{away},
			availability.Result{Status: availability.StatusAvailable, ShowChat: true}},
		{"AlwaysAtCapacity", mode(availability.ModeAlways), outside, []availability.Agent{full, over, away},
			availability.Result{Status: availability.StatusAtCapacity, ShowChat: true, Notice: availability.NoticeWaitMessage}},

		{"AgentsAvailable", mode(availability.ModeAgents), outside, []availability.Agent{away, free},
			availability.Result{Status: availability.StatusAvailable, ShowChat: true}},
		{"AgentsAvailableUnlimited", mode(availability.ModeAgents), outside, []availability.Agent{full, endless},
			availability.Result{Status: availability.StatusAvailable, ShowChat: true}},
		{"AgentsAtCapacity", mode(availability.ModeAgents), outside, []availability.Agent{full, away},
			availability.Result{Status: availability.StatusAtCapacity, ShowChat: true, Notice: availability.NoticeWaitMessage}},
		{"AgentsAwayWhenNobodyAvailable", mode(availability.ModeAgents), inside, []availability.Agent{away},
			availability.Result{Status: availability.StatusAway, ShowChat: true, Notice: availability.NoticeAwayMessage}},
		{"AgentsAwayWithoutAgents", mode(availability.ModeAgents), inside, nil,
			availability.Result{Status: availability.StatusAway, ShowChat: true, Notice: availability.NoticeAwayMessage}},
		{"UnknownModeAsAgents", mode("sometimes"), inside, []availability.Agent{free},
			availability.Result{Status: availability.StatusAvailable, ShowChat: true}},

		{"OfficeHoursAvailable", mode(availability.ModeOfficeHours), inside, []availability.Agent{free},
			availability.Result{Status: availability.StatusAvailable, ShowChat: true}},
		{"OfficeHoursAtCapacity", mode(availability.ModeOfficeHours), inside, []availability.Agent{full},
			availability.Result{Status: availability.StatusAtCapacity, ShowChat: true, Notice: availability.NoticeWaitMessage}},
		{"OfficeHoursAway", mode(availability.ModeOfficeHours), inside, []availability.Agent{away},
			availability.Result{Status: availability.StatusAway, ShowChat: true, Notice: availability.NoticeAwayMessage}},
		{"OfficeHoursOfflineEvenWithFreeAgent", mode(availability.ModeOfficeHours), outside, []availability.Agent{free},
			availability.Result{Status: availability.StatusOffline, NextOpening: instant(t, monday), ShowChat: true, Notice: availability.NoticeReturnTime}},
		{"OfficeHoursOfflineNeverOpens", func() availability.Settings {
			s := mode(availability.ModeOfficeHours)
			s.OfficeHours.Days = availability.Days{}
			s.Offline.Message = "Closed for good."
			return s
		}(), inside, []availability.Agent{free},
			availability.Result{Status: availability.StatusOffline, ShowChat: true, Notice: availability.NoticeAwayMessage, Message: "Closed for good."}},

		{"ShowsReplyTime", func() availability.Settings {
			s := mode(availability.ModeAgents)
			s.Available = availability.AvailableDisplay{ShowReplyTime: true, ReplyTime: availability.ReplyHours}
			return s
		}(), inside, []availability.Agent{free},
			availability.Result{Status: availability.StatusAvailable, ShowChat: true, Notice: availability.NoticeReplyTime, ReplyTime: availability.ReplyHours}},
		{"HidesReplyTime", func() availability.Settings {
			s := mode(availability.ModeAgents)
			s.Available = availability.AvailableDisplay{ReplyTime: availability.ReplyHours}
			return s
		}(), inside, []availability.Agent{free},
			availability.Result{Status: availability.StatusAvailable, ShowChat: true}},
		{"AwayMessage", func() availability.Settings {
			s := mode(availability.ModeAgents)
			s.Away.Message = "Back soon."
			return s
		}(), inside, nil,
			availability.Result{Status: availability.StatusAway, ShowChat: true, Notice: availability.NoticeAwayMessage, Message: "Back soon."}},
		{"AwayHidesChat", func() availability.Settings {
			s := mode(availability.ModeAgents)
			s.Away = availability.AwayDisplay{Message: "Back soon.", ShowChat: false}
			return s
		}(), inside, nil,
			availability.Result{Status: availability.StatusAway}},
		{"OfflineAwayMessage", func() availability.Settings {
			s := mode(availability.ModeOfficeHours)
			s.Offline = availability.OfflineDisplay{Behavior: availability.OfflineAwayMessage, Message: "We're closed."}
			return s
		}(), outside, nil,
			availability.Result{Status: availability.StatusOffline, NextOpening: instant(t, monday), ShowChat: true,
				Notice: availability.NoticeAwayMessage, Message: "We're closed."}},
		{"OfflineHidesLauncher", func() availability.Settings {
			s := mode(availability.ModeOfficeHours)
			s.Offline.Behavior = availability.OfflineHideLauncher
			return s
		}(), outside, nil,
			availability.Result{Status: availability.StatusOffline, NextOpening: instant(t, monday)}},
		{"OfflineNothing", func() availability.Settings {
			s := mode(availability.ModeOfficeHours)
			s.Offline.Behavior = availability.OfflineNothing
			return s
		}(), outside, nil,
			availability.Result{Status: availability.StatusOffline, NextOpening: instant(t, monday), ShowChat: true}},
		{"AtCapacityWaitMessage", func() availability.Settings {
			s := mode(availability.ModeAgents)
			s.AtCapacity.Message = "All agents are busy."
			return s
		}(), inside, []availability.Agent{full},
			availability.Result{Status: availability.StatusAtCapacity, ShowChat: true, Notice: availability.NoticeWaitMessage, Message: "All agents are busy."}},
		{"AtCapacityHidesLauncher", func() availability.Settings {
			s := mode(availability.ModeAgents)
			s.AtCapacity.Behavior = availability.AtCapacityHideLauncher
			return s
		}(), inside, []availability.Agent{full},
			availability.Result{Status: availability.StatusAtCapacity}},
		{"AtCapacityNothing", func() availability.Settings {
			s := mode(availability.ModeAgents)
			s.AtCapacity.Behavior = availability.AtCapacityNothing
			return s
		}(), inside, []availability.Agent{full},
			availability.Result{Status: availability.StatusAtCapacity, ShowChat: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := availability.Evaluate(tt.s, instant(t, tt.now), tt.agents)
			require.Truef(t, tt.want.NextOpening.Equal(got.NextOpening), "NextOpening: want %v, got %v", tt.want.NextOpening, got.NextOpening)
			tt.want.NextOpening, got.NextOpening = time.Time{}, time.Time{}
			require.Equal(t, tt.want, got)
		})
	}
}

func TestResultJSON(t *testing.T) {
	s := availability.Defaults()
	s.Mode = availability.ModeOfficeHours
	s.OfficeHours = weekdays9to17(sthlm)

	offline, err := json.Marshal(availability.Evaluate(s, instant(t, "2026-03-06T18:00:00+01:00"), nil))
	require.NoError(t, err)
	require.JSONEq(t, `{"status":"offline","nextOpening":"2026-03-09T09:00:00+01:00","showChat":true,"notice":"return_time"}`, string(offline))

	available, err := json.Marshal(availability.Evaluate(s, instant(t, "2026-03-06T10:00:00+01:00"), []availability.Agent{{Available: true}}))
	require.NoError(t, err)
	require.JSONEq(t, `{"status":"available","showChat":true}`, string(available))
}

func TestSettingsJSONRoundTrip(t *testing.T) {
	s := availability.Defaults()
	s.OfficeHours.Days.Set(time.Friday, rng("09:00", "17:00"), rng("22:00", "02:00"))
	b, err := json.Marshal(s)
	require.NoError(t, err)
	var back availability.Settings
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, s, back)
}

func TestDefaultsAreValidAndIndependent(t *testing.T) {
	s := availability.Defaults()
	require.NoError(t, s.Validate())
	s.Mode = availability.ModeOfficeHours
	require.NoError(t, s.Validate())

	s.OfficeHours.Days.Monday[0].End = "18:00"
	require.Equal(t, "17:00", s.OfficeHours.Days.Tuesday[0].End, "days do not share their ranges")
	require.Equal(t, "17:00", availability.Defaults().OfficeHours.Days.Monday[0].End)
}

func TestDaysOnAndSet(t *testing.T) {
	for d := time.Sunday; d <= time.Saturday; d++ {
		var days availability.Days
		require.Empty(t, days.On(d))
		days.Set(d, rng("08:00", "09:00"))
		require.Equal(t, []availability.Range{rng("08:00", "09:00")}, days.On(d))
		require.Empty(t, days.On((d+1)%7), "only day %v set", d)
	}
	var days availability.Days
	days.Set(time.Weekday(9), rng("08:00", "09:00"))
	require.Equal(t, availability.Days{}, days, "an invalid weekday sets nothing")
}
