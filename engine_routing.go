package livechat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/golivechat/livechat/availability"
	"github.com/golivechat/livechat/flow"
	"github.com/golivechat/livechat/invalid"
	"github.com/golivechat/livechat/routing"
)

// router is the engine's routing and queue: it assigns new and waiting
// conversations to eligible agents within their capacity, evaluates a
// chatflow's availability, keeps agents' presence fresh and runs the
// periodic work (queue, long waits, reassignment). Its memory (who was
// assigned last, which waits were told) is this node's.
type router struct {
	cfg   *Config // read only
	store Storage
	out   *outbox
	flows *flowCache
	now   func() time.Time
	log   *slog.Logger
	// connected lists the agents with a live connection on this node.
	connected func() []string

	assignMu     sync.Mutex
	lastAssigned map[string]time.Time
	waitNotified map[string]bool
	drainMu      sync.Mutex

	// agentsSeen caches agent profiles already stored, by id.
	agentsMu   sync.Mutex
	agentsSeen map[string]Agent
	// writeMu serializes this node's read-modify-writes of agents (a
	// sign-in, a presence change, a team settings change), so that none
	// of them stores what it read before another's write.
	writeMu sync.Mutex

	metrics *metrics
}

func newRouter(cfg *Config, out *outbox, flows *flowCache, connected func() []string) *router {
	return &router{
		cfg:          cfg,
		store:        cfg.Storage,
		out:          out,
		flows:        flows,
		now:          cfg.Now,
		log:          cfg.Logger,
		connected:    connected,
		lastAssigned: make(map[string]time.Time),
		waitNotified: make(map[string]bool),
		agentsSeen:   make(map[string]Agent),
		metrics:      noMetrics,
	}
}

// team is what routing and availability need to know of every agent at
// one instant.
type team struct {
	agents []*Agent
	open   map[string]int
	now    time.Time
}

func (rt *router) loadTeam(ctx context.Context) (*team, error) {
	agents, err := rt.store.Agents(ctx)
	if err != nil {
		return nil, err
	}
	open, err := rt.store.OpenCounts(ctx)
	if err != nil {
		return nil, err
	}
	return &team{agents: agents, open: open, now: rt.now()}, nil
}

// capacity is an agent's limit of open conversations.
func (rt *router) capacity(a *Agent) int {
	if a.Capacity > 0 {
		return a.Capacity
	}
	return rt.cfg.DefaultCapacity
}

// isAvailable reports whether an agent counts as available: they chose
// available and an inbox of theirs was connected within the grace period.
// Several tabs count once; a closed laptop stops counting after the grace.
func (rt *router) isAvailable(a *Agent, now time.Time) bool {
	return a.Presence == PresenceAvailable && !a.LastSeenAt.IsZero() && now.Sub(a.LastSeenAt) <= rt.cfg.PresenceGrace
}

// routingRequest is who may take a conversation of the chatflow.
func (rt *router) routingRequest(ctx context.Context, f *flow.Chatflow, c *Conversation, v *Visitor) routing.Request {
	req := routing.Request{Strategy: routing.StrategyRoundRobin}
	if f == nil {
		return req
	}
	as := f.Build.Assignment
	req.Strategy = routing.Strategy(as.Strategy)
	req.UserIDs, req.TeamIDs = as.UserIDs, as.TeamIDs
	var contactProps map[string]string
	if v != nil && v.ContactID != "" {
		if ct, err := rt.store.Contact(ctx, v.ContactID); err == nil {
			req.OwnerID = ct.OwnerID
			contactProps = ct.Properties
		}
	}
	if c != nil && len(as.SkillRules) > 0 {
		lang := f.Options.Language
		if v != nil && v.Language != "" {
			lang = v.Language
		}
		// Property rules look at the visitor's contact (what the team
		// knows of the person), not at the conversation's properties.
		req.Required = routing.RequiredSkills(as.SkillRules, routing.Conversation{
			Language: lang, PageURL: c.PageURL, ChatflowID: c.ChatflowID, Properties: contactProps,
		})
	}
	return req
}

func (rt *router) candidates(t *team) []routing.Candidate {
	out := make([]routing.Candidate, 0, len(t.agents))
	rt.assignMu.Lock()
	defer rt.assignMu.Unlock()
	for _, a := range t.agents {
		out = append(out, routing.Candidate{
			ID:           a.ID,
			Teams:        a.TeamIDs,
			Skills:       a.Skills,
			Available:    rt.isAvailable(a, t.now),
			Open:         t.open[a.ID],
			Capacity:     rt.capacity(a),
			LastAssigned: rt.lastAssigned[a.ID],
		})
	}
	return out
}

// status evaluates a chatflow's availability now, over the agents its
// assignment could route to.
func (rt *router) status(ctx context.Context, f *flow.Chatflow, v *Visitor) (availability.Result, error) {
	t, err := rt.loadTeam(ctx)
	if err != nil {
		return availability.Result{}, err
	}
	req := rt.routingRequest(ctx, f, nil, v)
	var agents []availability.Agent
	for _, c := range rt.candidates(t) {
		if routing.Eligible(req, c) || c.ID == req.OwnerID && req.OwnerID != "" {
			agents = append(agents, availability.Agent{ID: c.ID, Available: c.Available, Open: c.Open, Capacity: c.Capacity})
		}
	}
	settings := availability.Defaults() // a conversation without a chatflow: agents' presence
	if f != nil {
		settings = f.Availability
	}
	return availability.Evaluate(settings, t.now, agents), nil
}

// route assigns a new or waiting conversation to an agent when one is
// eligible, available and below capacity. The check-and-assign is atomic in
// the Storage (ClaimConversation); when another node filled the chosen
// agent first, the next candidate is tried, and when another node assigned
// the conversation first, it is left as that node assigned it. It returns
// the conversation as stored and whether every eligible available agent
// was at capacity (the conversation waits).
func (rt *router) route(ctx context.Context, c *Conversation) (*Conversation, bool, error) {
	f := rt.flows.flowFor(ctx, c.ChatflowID)
	var v *Visitor
	if vv, err := rt.store.Visitor(ctx, c.VisitorID); err == nil {
		v = vv
	}
	t, err := rt.loadTeam(ctx)
	if err != nil {
		return c, false, err
	}
	req := transferRequest(rt.routingRequest(ctx, f, c, v), c)
	cands := rt.candidates(t)
	for range len(cands) + 1 {
		id, ok, reason := routing.Choose(req, cands)
		if !ok {
			return c, reason == routing.ReasonAtCapacity, nil
		}
		var capacity int
		for i := range cands {
			if cands[i].ID == id {
				capacity = cands[i].Capacity
			}
		}
		// Claimed only while still waiting: when several nodes route the
		// same conversation at once, exactly one hands it out.
		assigned, err := rt.store.ClaimConversation(ctx, c.ID, id, capacity, rt.now().UTC())
		if errors.Is(err, ErrConflict) {
			// Another node assigned it, or it was closed, meanwhile.
			if cur, err := rt.store.Conversation(ctx, c.ID); err == nil {
				return cur, false, nil
			}
			return c, false, nil
		}
		if errors.Is(err, ErrAtCapacity) {
			for i := range cands {
				if cands[i].ID == id {
					cands[i].Open = cands[i].Capacity
				}
			}
			continue
		}
		if err != nil {
			return c, false, err
		}
		rt.assignMu.Lock()
		rt.lastAssigned[id] = rt.now()
		rt.assignMu.Unlock()
		rt.metrics.assigned(true)
		rt.out.publish(ctx, Event{Type: EventConversation, ConversationID: assigned.ID, Seq: assigned.LastSeq, Conversation: assigned})
		rt.out.notify(ctx, Notification{Kind: NotifyAssigned, ConversationID: assigned.ID, ChatflowID: assigned.ChatflowID, AgentID: id})
		return assigned, false, nil
	}
	return c, true, nil
}

// drainQueue offers waiting conversations, oldest first, to agents who
// have room: after a close, when an agent becomes available or raises
// their limit, and on every tick.
func (rt *router) drainQueue(ctx context.Context) {
	rt.drainMu.Lock()
	defer rt.drainMu.Unlock()
	t, err := rt.loadTeam(ctx)
	if err != nil {
		if ctx.Err() == nil { // not the Handler closing
			rt.log.Warn("livechat: read the team", "err", err)
		}
		return
	}
	room := false
	for _, c := range rt.candidates(t) {
		room = room || c.Available && c.HasRoom()
	}
	if !room {
		return // nobody could take a waiting conversation
	}
	waiting, err := rt.store.Conversations(ctx, ConversationFilter{Status: StatusOpen, Unassigned: true, OldestFirst: true, Limit: 100})
	if err != nil {
		rt.log.Warn("livechat: read the queue", "err", err)
		return
	}
	for _, c := range waiting {
		if _, _, err := rt.route(ctx, c); err != nil {
			rt.log.Warn("livechat: route a waiting conversation", "conversation", c.ID, "err", err)
			return
		}
	}
}

// waiting is how many conversations wait for an agent, counted up to
// maxQueueCount.
func (rt *router) waiting(ctx context.Context) (int, error) {
	waiting, err := rt.store.Conversations(ctx, ConversationFilter{Status: StatusOpen, Unassigned: true, OldestFirst: true, Limit: maxQueueCount})
	return len(waiting), err
}

// maxQueueCount is how far a queue position is counted; a conversation
// further back is told maxQueueCount+1.
const maxQueueCount = 1000

// queuePosition is the conversation's place among those waiting (1 is
// next), or 0 when it is not waiting.
func (rt *router) queuePosition(ctx context.Context, c *Conversation) (int, error) {
	if c.Status != StatusOpen || c.AssigneeID != "" {
		return 0, nil
	}
	waiting, err := rt.store.Conversations(ctx, ConversationFilter{Status: StatusOpen, Unassigned: true, OldestFirst: true, Limit: maxQueueCount})
	if err != nil {
		return 0, err
	}
	q := make([]routing.Waiting, len(waiting))
	for i, w := range waiting {
		q[i] = routing.Waiting{ConversationID: w.ID, Since: w.CreatedAt}
	}
	pos, ok := routing.Position(q, c.ID)
	if !ok {
		// Not among the oldest maxQueueCount: at least that many are
		// ahead. Never 0, which would say it is not waiting.
		return maxQueueCount + 1, nil
	}
	return pos, nil
}

// afterVisitorMessage tells the team about a visitor's message when nobody
// is there to see it live.
func (rt *router) afterVisitorMessage(ctx context.Context, c *Conversation, m *Message) {
	if rt.cfg.Notifier == nil {
		return
	}
	if c.AssigneeID != "" {
		if a, err := rt.store.Agent(ctx, c.AssigneeID); err == nil && !rt.isAvailable(a, rt.now()) {
			rt.out.notify(ctx, Notification{Kind: NotifyMessageWhileAway, ConversationID: c.ID, ChatflowID: c.ChatflowID, AgentID: a.ID, Seq: m.Seq})
		}
		return
	}
	if st, err := rt.status(ctx, rt.flows.flowFor(ctx, c.ChatflowID), nil); err == nil && st.Status != availability.StatusAvailable {
		rt.out.notify(ctx, Notification{Kind: NotifyOfflineMessage, ConversationID: c.ID, ChatflowID: c.ChatflowID, Seq: m.Seq})
	}
}

// run does the routing's periodic work until ctx is done: keeping connected
// agents' presence fresh, routing waiting conversations, telling the team
// about long waits and reassigning away agents' conversations.
func (rt *router) run(ctx context.Context) {
	every := min(rt.cfg.PresenceGrace/4, 30*time.Second)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			rt.tick(ctx)
		}
	}
}

func (rt *router) tick(ctx context.Context) {
	now := rt.now().UTC()
	for _, id := range rt.connected() {
		if err := rt.store.TouchAgent(ctx, id, now); err != nil && !errors.Is(err, ErrNotFound) && ctx.Err() == nil {
			rt.log.Warn("livechat: touch agent", "agent", id, "err", err)
		}
	}
	rt.drainQueue(ctx)
	rt.notifyLongWaits(ctx, now)
	rt.reassignAway(ctx, now)
}

// notifyLongWaits tells the team, once per conversation, that it has waited
// for an agent longer than Config.WaitingThreshold.
func (rt *router) notifyLongWaits(ctx context.Context, now time.Time) {
	if rt.cfg.Notifier == nil {
		return
	}
	waiting, err := rt.store.Conversations(ctx, ConversationFilter{Status: StatusOpen, Unassigned: true, OldestFirst: true, Limit: 100})
	if err != nil {
		return
	}
	for _, c := range waiting {
		if now.Sub(c.CreatedAt) < rt.cfg.WaitingThreshold {
			break
		}
		rt.assignMu.Lock()
		done := rt.waitNotified[c.ID]
		rt.waitNotified[c.ID] = true
		rt.assignMu.Unlock()
		if !done {
			rt.out.notify(ctx, Notification{Kind: NotifyWaiting, ConversationID: c.ID, ChatflowID: c.ChatflowID, WaitingSince: c.CreatedAt})
		}
	}
}

// reassignAway moves the open conversations of agents who have not been
// available for Config.ReassignAfter back through routing.
func (rt *router) reassignAway(ctx context.Context, now time.Time) {
	if rt.cfg.ReassignAfter <= 0 {
		return
	}
	agents, err := rt.store.Agents(ctx)
	if err != nil {
		return
	}
	for _, a := range agents {
		if rt.isAvailable(a, now) {
			continue
		}
		since := a.LastSeenAt.Add(rt.cfg.PresenceGrace)
		if a.Presence == PresenceAway && a.UpdatedAt.After(a.LastSeenAt) {
			since = a.UpdatedAt
		}
		if now.Sub(since) < rt.cfg.ReassignAfter {
			continue
		}
		convs, err := rt.store.Conversations(ctx, ConversationFilter{Status: StatusOpen, AssigneeID: a.ID, OldestFirst: true})
		if err != nil {
			return
		}
		for _, c := range convs {
			// Another node may have moved it since the list was read.
			if cur, err := rt.store.Conversation(ctx, c.ID); err != nil || cur.AssigneeID != a.ID || cur.Status != StatusOpen {
				continue
			}
			un, err := rt.store.AssignConversation(ctx, c.ID, "", 0, now)
			if err != nil {
				continue
			}
			rt.out.publish(ctx, Event{Type: EventConversation, ConversationID: un.ID, Seq: un.LastSeq, Conversation: un})
			if _, _, err := rt.route(ctx, un); err != nil {
				rt.log.Warn("livechat: reassign", "conversation", c.ID, "err", err)
			}
		}
	}
}

// touchAgent records that the agent's inbox is connected now.
func (rt *router) touchAgent(ctx context.Context, agentID string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := rt.store.TouchAgent(ctx, agentID, rt.now().UTC()); err != nil {
		rt.log.Warn("livechat: touch agent", "agent", agentID, "err", err)
	}
}

// syncAgent stores the host's view of an agent when it changed, keeping
// the presence the agent chose and the team settings the host left empty
// (see Agent.HostFields), and returns the stored agent.
func (rt *router) syncAgent(ctx context.Context, a *Agent) (*Agent, error) {
	rt.agentsMu.Lock()
	seen, ok := rt.agentsSeen[a.ID]
	rt.agentsMu.Unlock()
	if ok && sameProfile(&seen, fromHost(a, &seen)) {
		return &seen, nil
	}
	rt.writeMu.Lock()
	defer rt.writeMu.Unlock()
	stored, err := rt.store.Agent(ctx, a.ID)
	switch {
	case isNotFound(err):
		stored = nil
	case err != nil:
		return nil, err
	}
	next := fromHost(a, stored)
	if stored == nil || !sameProfile(stored, next) {
		next.UpdatedAt = rt.now().UTC()
		if err := rt.store.PutAgent(ctx, next); err != nil {
			return nil, fmt.Errorf("livechat: store agent: %w", err)
		}
	} else {
		next = stored
	}
	rt.remember(next)
	return next, nil
}

// putAgents stores the host's view of each agent as a sign-in does
// (syncAgent), leaving presence and LastSeenAt as stored. Every agent is
// checked first: a nil agent, an invalid id or an id listed twice stores
// none of them.
func (rt *router) putAgents(ctx context.Context, agents []*Agent) error {
	var errs invalid.Fields
	ids := make(map[string]bool, len(agents))
	for i, a := range agents {
		path := "[" + strconv.Itoa(i) + "]"
		switch {
		case a == nil:
			errs.Add(path, "must not be nil")
		case !validID(a.ID):
			errs.Add(path+".id", fmt.Sprintf("%q is not 1 to 64 of A-Z, a-z, 0-9, _ and -", a.ID))
		case ids[a.ID]:
			errs.Add(path+".id", fmt.Sprintf("%q is listed twice", a.ID))
		default:
			ids[a.ID] = true
		}
	}
	if len(errs) > 0 {
		return &invalidInput{msg: "invalid agents", fields: errs}
	}
	for _, a := range agents {
		host := *a
		host.LastSeenAt = time.Time{} // only the inbox's connection moves it
		if _, err := rt.syncAgent(ctx, &host); err != nil {
			return fmt.Errorf("livechat: agent %q: %w", a.ID, err)
		}
	}
	return nil
}

// fromHost is the agent to store after the host's AgentAuth returned a:
// a's profile, permissions and the team settings it sets, with the rest
// (presence, the team settings a leaves empty) as stored, which is nil for
// a new agent.
func fromHost(a, stored *Agent) *Agent {
	next := *a
	next.Presence = PresenceAway
	next.HostFields = hostFields(a)
	if stored == nil {
		return &next
	}
	if stored.Presence != "" {
		next.Presence = stored.Presence
	}
	if stored.LastSeenAt.After(next.LastSeenAt) {
		next.LastSeenAt = stored.LastSeenAt
	}
	if !slices.Contains(next.HostFields, AgentFieldTeamIDs) {
		next.TeamIDs = stored.TeamIDs
	}
	if !slices.Contains(next.HostFields, AgentFieldSkills) {
		next.Skills = stored.Skills
	}
	if !slices.Contains(next.HostFields, AgentFieldCapacity) {
		next.Capacity = stored.Capacity
	}
	return &next
}

// hostFields names the team settings a sets.
func hostFields(a *Agent) []string {
	var out []string
	if len(a.TeamIDs) > 0 {
		out = append(out, AgentFieldTeamIDs)
	}
	if len(a.Skills) > 0 {
		out = append(out, AgentFieldSkills)
	}
	if a.Capacity > 0 {
		out = append(out, AgentFieldCapacity)
	}
	return out
}

// updateAgent reads the stored agent, lets change modify it, and stores
// it with UpdatedAt now, all while no other write of this node's
// intervenes. An error from change stores nothing and is returned as it
// is. Returns ErrNotFound.
func (rt *router) updateAgent(ctx context.Context, id string, change func(*Agent) error) (*Agent, error) {
	rt.writeMu.Lock()
	defer rt.writeMu.Unlock()
	a, err := rt.store.Agent(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := change(a); err != nil {
		return nil, err
	}
	a.UpdatedAt = rt.now().UTC()
	if err := rt.store.PutAgent(ctx, a); err != nil {
		return nil, fmt.Errorf("livechat: store agent: %w", err)
	}
	rt.remember(a)
	return a, nil
}

// remember caches the agent's profile as stored.
func (rt *router) remember(a *Agent) {
	rt.agentsMu.Lock()
	rt.agentsSeen[a.ID] = *a
	rt.agentsMu.Unlock()
}

func sameProfile(a, b *Agent) bool {
	return a.ID == b.ID && a.Name == b.Name && a.Email == b.Email && a.AvatarURL == b.AvatarURL &&
		a.Capacity == b.Capacity && slices.Equal(a.TeamIDs, b.TeamIDs) &&
		slices.Equal(a.Skills, b.Skills) && slices.Equal(a.Permissions, b.Permissions) &&
		slices.Equal(a.HostFields, b.HostFields)
}
