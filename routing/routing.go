package routing

import (
	"strings"
	"time"
)

// Strategy is how [Choose] picks among the agents that can take a
// conversation. It has the same values as flow.Strategy.
type Strategy string

// Routing strategies. The empty Strategy, and any value not listed here,
// routes as StrategyRoundRobin.
const (
	// StrategyRoundRobin picks the agent who was assigned a conversation
	// longest ago (never first), ties broken by ID.
	StrategyRoundRobin Strategy = "round_robin"
	// StrategyLeastBusy picks the agent with the fewest open
	// conversations, ties broken as in round robin.
	StrategyLeastBusy Strategy = "least_busy"
	// StrategyContactOwner picks the contact's owner when they can take
	// the conversation now, and otherwise routes as round robin.
	StrategyContactOwner Strategy = "contact_owner"
	// StrategySkills routes as round robin among the agents with every
	// required skill. The skill filter applies to every strategy; this one
	// only names the intent.
	StrategySkills Strategy = "skills"
)

// Candidate is one agent as routing sees it: the root maps its agents,
// their presence and their load onto Candidates.
type Candidate struct {
	// ID is the host's agent id. IDs should be unique; of two candidates
	// with the same ID and the same rank, the first is chosen.
	ID string
	// Teams are the ids of the teams the agent belongs to.
	Teams []string
	// Skills are what the agent can handle ("swedish", "billing"),
	// compared with required skills case-insensitively.
	Skills []string
	// Available is whether the agent has set themselves available and is
	// connected (within the presence grace period).
	Available bool
	// Open is the number of open conversations assigned to the agent.
	Open int
	// Capacity is the most open conversations the agent takes; zero or
	// negative means no limit.
	Capacity int
	// LastAssigned is when the agent was last assigned a conversation;
	// the zero time means never.
	LastAssigned time.Time
}

// HasRoom reports whether c is below their capacity: Open < Capacity, or
// Capacity <= 0 (no limit).
func (c Candidate) HasRoom() bool {
	return c.Capacity <= 0 || c.Open < c.Capacity
}

// Request is what a new conversation asks of routing.
type Request struct {
	// Strategy chooses among the agents that can take the conversation.
	// Empty: StrategyRoundRobin.
	Strategy Strategy
	// UserIDs and TeamIDs are the agents and teams that receive the
	// conversation: an agent qualifies when listed in UserIDs or a member
	// of any team in TeamIDs. Both empty: every candidate.
	UserIDs []string
	TeamIDs []string
	// OwnerID is the id of the contact's owner, if known. Only
	// StrategyContactOwner uses it; see [Eligible].
	OwnerID string
	// Required are the skills the conversation needs, usually from
	// [RequiredSkills]; only agents with all of them qualify. Compared
	// case-insensitively; empty entries are ignored.
	Required []string
}

// Reason is why [Choose] assigned nobody. The server queues the
// conversation on ReasonAtCapacity, and otherwise leaves it unassigned
// (the visitor can still leave a message).
type Reason string

// Reasons, checked in this order. The empty Reason means an agent was
// chosen.
const (
	// ReasonNoneEligible: no candidate is eligible (see [Eligible]):
	// nobody is in the lists, or nobody there has the required skills.
	ReasonNoneEligible Reason = "none_eligible"
	// ReasonNoneAvailable: eligible agents exist, but none is available.
	ReasonNoneAvailable Reason = "none_available"
	// ReasonAtCapacity: every available eligible agent is at their
	// capacity. Waiting helps: see [NextForAgent].
	ReasonAtCapacity Reason = "at_capacity"
)

// Eligible reports whether c may take req's conversation at all,
// regardless of availability and capacity: c is in req's lists (or both
// lists are empty) and has every required skill.
//
// Under StrategyContactOwner the contact's owner (c.ID == req.OwnerID) is
// eligible even when not in the lists: the lists name who takes the
// conversations of contacts without an owner who can answer. The owner
// still needs the required skills, and [Choose] still requires them to
// be available and below capacity.
func Eligible(req Request, c Candidate) bool {
	return (inLists(req, c) || isOwner(req, c)) && hasSkills(c, req.Required)
}

// Choose picks the agent who gets a new conversation among cands, or
// says why nobody can.
//
// An agent can be chosen when [Eligible], available and below capacity
// ([Candidate.HasRoom]); among those, req.Strategy decides:
//
//   - round_robin and skills (and an empty or unknown strategy): the
//     oldest LastAssigned, the zero time first, then the smallest ID;
//   - least_busy: the fewest Open, then as round robin;
//   - contact_owner: the owner when they can be chosen (even outside the
//     lists, see [Eligible]), else as round robin among the lists.
//
// When ok is false, id is empty and reason says why (see [Reason]);
// when ok is true, reason is empty. Choose changes nothing: the caller
// records the assignment, raising the agent's Open and LastAssigned,
// before routing the next conversation. The result depends only on the
// values given, not on the order of cands (unless IDs repeat).
func Choose(req Request, cands []Candidate) (id string, ok bool, reason Reason) {
	best := -1
	eligible, available := false, false
	for i, c := range cands {
		if !Eligible(req, c) {
			continue
		}
		eligible = true
		if !c.Available {
			continue
		}
		available = true
		if !c.HasRoom() {
			continue
		}
		if best < 0 || before(req, c, cands[best]) {
			best = i
		}
	}
	switch {
	case best >= 0:
		return cands[best].ID, true, ""
	case !eligible:
		return "", false, ReasonNoneEligible
	case !available:
		return "", false, ReasonNoneAvailable
	default:
		return "", false, ReasonAtCapacity
	}
}

// before reports whether a ranks strictly before b under req's strategy;
// both can be chosen.
func before(req Request, a, b Candidate) bool {
	switch req.Strategy {
	case StrategyContactOwner:
		if ao, bo := isOwner(req, a), isOwner(req, b); ao != bo {
			return ao
		}
	case StrategyLeastBusy:
		if a.Open != b.Open {
			return a.Open < b.Open
		}
	}
	if c := compareAssigned(a.LastAssigned, b.LastAssigned); c != 0 {
		return c < 0
	}
	return a.ID < b.ID
}

// compareAssigned orders assignment times oldest first, never (the zero
// time) before all.
func compareAssigned(a, b time.Time) int {
	switch az, bz := a.IsZero(), b.IsZero(); {
	case az && bz:
		return 0
	case az:
		return -1
	case bz:
		return 1
	}
	return a.Compare(b)
}

func inLists(req Request, c Candidate) bool {
	if len(req.UserIDs) == 0 && len(req.TeamIDs) == 0 {
		return true
	}
	for _, u := range req.UserIDs {
		if u == c.ID {
			return true
		}
	}
	for _, t := range req.TeamIDs {
		for _, ct := range c.Teams {
			if t == ct {
				return true
			}
		}
	}
	return false
}

func isOwner(req Request, c Candidate) bool {
	return req.Strategy == StrategyContactOwner && req.OwnerID != "" && c.ID == req.OwnerID
}

// hasSkills reports whether skills cover every non-empty entry of
// required, case-insensitively.
func hasSkills(c Candidate, required []string) bool {
	for _, r := range required {
		if r == "" {
			continue
		}
		found := false
		for _, s := range c.Skills {
			if strings.EqualFold(s, r) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
