package availability

import "time"

// Agent is the presence and load of one agent eligible for the chat's new
// conversations, as the caller knows it.
type Agent struct {
	// ID is the host's agent id; Evaluate does not read it.
	ID string
	// Available is the agent's presence: set available in the inbox and
	// connected (or disconnected for less than the grace period).
	Available bool
	// Open is how many conversations the agent has open.
	Open int
	// Capacity is the agent's limit of open conversations; 0 (or less)
	// is unlimited.
	Capacity int
}

// free reports whether a takes new conversations now.
func (a Agent) free() bool {
	return a.Available && (a.Capacity <= 0 || a.Open < a.Capacity)
}

// Status is what visitors are told about being answered.
type Status string

// Statuses.
const (
	StatusAvailable  Status = "available"   // an agent can answer now
	StatusAway       Status = "away"        // open (or ModeAgents), but nobody is available
	StatusOffline    Status = "offline"     // outside office hours
	StatusAtCapacity Status = "at_capacity" // every available agent is at their limit
)

// Notice is which text the widget shows with the chat.
type Notice string

// Notices; the empty Notice shows none.
const (
	NoticeNone        Notice = ""
	NoticeReplyTime   Notice = "reply_time"   // Result.ReplyTime
	NoticeAwayMessage Notice = "away_message" // Result.Message (empty: the default away text)
	NoticeReturnTime  Notice = "return_time"  // Result.NextOpening, in the visitor's zone
	NoticeWaitMessage Notice = "wait_message" // Result.Message (empty: the default wait text)
)

// Result is the availability of a chat at one instant and what its
// widget shows.
type Result struct {
	Status Status `json:"status"`
	// NextOpening is when the office hours open again, set only while
	// offline; zero while open, in the modes without office hours, and
	// when the schedule never opens. In the office hours' zone.
	NextOpening time.Time `json:"nextOpening,omitzero"`
	// ShowChat is whether the launcher and the chat show; false hides
	// the launcher. Wherever the chat shows, visitors can send a message;
	// while nobody is available it waits for the team.
	ShowChat bool `json:"showChat"`
	// Notice is which text shows with the chat; never set when ShowChat
	// is false.
	Notice Notice `json:"notice,omitempty"`
	// ReplyTime is set with NoticeReplyTime.
	ReplyTime ReplyTime `json:"replyTime,omitempty"`
	// Message is the configured text of NoticeAwayMessage or
	// NoticeWaitMessage; empty means the default text in the chat's
	// language.
	Message string `json:"message,omitempty"`
}

// Evaluate returns the availability of a chat with settings s at now,
// given the agents eligible for its new conversations.
//
//   - ModeAlways (24/7) is available, or at capacity when some agents are
//     available and every one of them is at their limit. With nobody
//     available it stays available: the chat is always staffed in
//     principle, and visitors' messages wait for the team.
//   - ModeAgents is available when at least one agent is available and
//     below their limit, at capacity when agents are available but all at
//     their limit, else away.
//   - ModeOfficeHours is offline outside the office hours, with
//     NextOpening set (zero when they never open); inside them it is as
//     ModeAgents.
//
// An unknown Mode counts as ModeAgents. Evaluate expects valid settings
// (see Validate): invalid ranges are ignored and an unknown time zone is
// never open.
func Evaluate(s Settings, now time.Time, agents []Agent) Result {
	var r Result
	switch s.Mode {
	case ModeAlways:
		r.Status = StatusAvailable
		if present(agents) && !anyFree(agents) {
			r.Status = StatusAtCapacity
		}
	case ModeOfficeHours:
		if !IsOpen(s.OfficeHours, now) {
			r.Status = StatusOffline
			r.NextOpening, _ = NextOpening(s.OfficeHours, now)
			break
		}
		r.Status = byAgents(agents)
	default:
		r.Status = byAgents(agents)
	}
	s.show(&r)
	return r
}

// byAgents is the status decided by the agents' presence and load.
func byAgents(agents []Agent) Status {
	switch {
	case anyFree(agents):
		return StatusAvailable
	case present(agents):
		return StatusAtCapacity
	}
	return StatusAway
}

func anyFree(agents []Agent) bool {
	for _, a := range agents {
		if a.free() {
			return true
		}
	}
	return false
}

func present(agents []Agent) bool {
	for _, a := range agents {
		if a.Available {
			return true
		}
	}
	return false
}

// show fills in what the widget shows for r.Status.
func (s Settings) show(r *Result) {
	r.ShowChat = true
	switch r.Status {
	case StatusAvailable:
		if s.Available.ShowReplyTime && s.Available.ReplyTime != "" {
			r.Notice, r.ReplyTime = NoticeReplyTime, s.Available.ReplyTime
		}
	case StatusAway:
		r.ShowChat = s.Away.ShowChat
		if r.ShowChat {
			r.Notice, r.Message = NoticeAwayMessage, s.Away.Message
		}
	case StatusOffline:
		switch s.Offline.Behavior {
		case OfflineHideLauncher:
			r.ShowChat = false
		case OfflineAwayMessage:
			r.Notice, r.Message = NoticeAwayMessage, s.Offline.Message
		case OfflineReturnTime:
			if r.NextOpening.IsZero() { // never opens: no time to show
				r.Notice, r.Message = NoticeAwayMessage, s.Offline.Message
			} else {
				// The team's message, if any, goes with the return time.
				r.Notice, r.Message = NoticeReturnTime, s.Offline.Message
			}
		}
	case StatusAtCapacity:
		switch s.AtCapacity.Behavior {
		case AtCapacityHideLauncher:
			r.ShowChat = false
		case AtCapacityWaitMessage:
			r.Notice, r.Message = NoticeWaitMessage, s.AtCapacity.Message
		}
	}
}
