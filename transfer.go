package livechat

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"

	"github.com/golivechat/livechat/routing"
)

// PropertyTransferTeam is the conversation property that names the team a
// conversation was transferred to: while it is set, routing offers the
// conversation to that team's available members only, also when it waits
// in the queue. A transfer to an agent removes it.
const PropertyTransferTeam = "transfer_team"

var (
	errTransferTarget = publicf(ErrInvalid, "a transfer needs exactly one of agentId and teamId")
	errNoSuchTeam     = publicf(ErrNotFound, "no such team")
	errTransferClosed = publicf(ErrClosed, "conversation is closed")
)

// Transfer hands a conversation to a colleague (agentID) or to a team
// (teamID; exactly one of the two), with an optional private note for
// them (note, "" for none). To an agent it is an assignment within their
// capacity; to a team, routing offers it to the team's available members
// with room, and it waits in the queue for that team when none has.
// Returns the conversation as stored; ErrInvalid (both or neither target,
// a bad note), ErrNotFound (conversation, agent or team), ErrClosed for a
// closed conversation, ErrAtCapacity; nothing changes on an error.
func (h *Handler) Transfer(ctx context.Context, conversationID, byAgentID, agentID, teamID, note string) (*Conversation, error) {
	return h.eng.transfer(ctx, conversationID, byAgentID, agentID, teamID, note)
}

func (e *engine) transfer(ctx context.Context, convID, byAgentID, agentID, teamID, note string) (*Conversation, error) {
	if (agentID == "") == (teamID == "") {
		return nil, errTransferTarget
	}
	if note != "" {
		if err := e.checkText(note); err != nil {
			return nil, err
		}
	}
	c, err := e.conversation(ctx, convID)
	if err != nil {
		return nil, err
	}
	if c.Status == StatusClosed {
		return nil, errTransferClosed
	}
	if agentID != "" {
		if !validID(agentID) {
			return nil, errAgentNotFound
		}
		c, err = e.transferToAgent(ctx, c, agentID)
	} else {
		if !validID(teamID) {
			return nil, errNoSuchTeam
		}
		c, err = e.transferToTeam(ctx, c, teamID)
	}
	if err != nil {
		return nil, err
	}
	if note != "" {
		if _, _, err := e.note(ctx, c.ID, byAgentID, "", note); err != nil {
			return c, err
		}
	}
	return c, nil
}

// setTransferTeam stores c with the transfer team set (or removed, for
// ""), unassigned when a team is set.
func (e *engine) setTransferTeam(ctx context.Context, c *Conversation, teamID string) (*Conversation, error) {
	if c.Properties[PropertyTransferTeam] == teamID && (teamID == "" || c.AssigneeID == "") {
		return c, nil
	}
	cp := *c
	cp.Properties = maps.Clone(c.Properties)
	if teamID == "" {
		delete(cp.Properties, PropertyTransferTeam)
	} else {
		if cp.Properties == nil {
			cp.Properties = map[string]string{}
		}
		cp.Properties[PropertyTransferTeam] = teamID
		cp.AssigneeID = ""
	}
	cp.UpdatedAt = e.now().UTC()
	if err := e.store.UpdateConversation(ctx, &cp); err != nil {
		return nil, fmt.Errorf("livechat: transfer: %w", err)
	}
	return e.store.Conversation(ctx, c.ID)
}

func (e *engine) transferToAgent(ctx context.Context, c *Conversation, agentID string) (*Conversation, error) {
	a, err := e.store.Agent(ctx, agentID)
	if isNotFound(err) {
		return nil, errAgentNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("livechat: agent: %w", err)
	}
	if c.AssigneeID != agentID {
		// Within their capacity, checked with the assignment.
		if c, err = e.store.AssignConversation(ctx, c.ID, a.ID, e.routing.capacity(a), e.now().UTC()); err != nil {
			if errors.Is(err, ErrAtCapacity) {
				return nil, err
			}
			return nil, fmt.Errorf("livechat: transfer: %w", err)
		}
		e.out.notify(ctx, Notification{Kind: NotifyAssigned, ConversationID: c.ID, ChatflowID: c.ChatflowID, AgentID: a.ID})
	}
	if c, err = e.setTransferTeam(ctx, c, ""); err != nil {
		return nil, err
	}
	e.out.publish(ctx, Event{Type: EventConversation, ConversationID: c.ID, Seq: c.LastSeq, Conversation: c})
	e.routing.drainQueue(ctx) // the previous assignee has room
	return c, nil
}

func (e *engine) transferToTeam(ctx context.Context, c *Conversation, teamID string) (*Conversation, error) {
	if _, err := e.store.Team(ctx, teamID); isNotFound(err) {
		// A team id that agents' TeamIDs name routes without a stored team.
		agents, err := e.store.Agents(ctx)
		if err != nil {
			return nil, err
		}
		named := false
		for _, a := range agents {
			for _, t := range a.TeamIDs {
				named = named || t == teamID
			}
		}
		if !named {
			return nil, errNoSuchTeam
		}
	} else if err != nil {
		return nil, err
	}
	previous := c.AssigneeID
	c, err := e.setTransferTeam(ctx, c, teamID)
	if err != nil {
		return nil, err
	}
	e.out.publish(ctx, Event{Type: EventConversation, ConversationID: c.ID, Seq: c.LastSeq, Conversation: c})
	if routed, _, err := e.routing.route(ctx, c); err != nil {
		e.log.Warn("livechat: route a transferred conversation", "conversation", c.ID, "err", err)
	} else {
		c = routed
	}
	if previous != "" {
		e.routing.drainQueue(ctx) // the previous assignee has room
	}
	return c, nil
}

// transferRequest narrows a routing request to the team a conversation
// was transferred to: its members, by the chatflow's strategy (the
// contact's owner and skills no longer choose).
func transferRequest(req routing.Request, c *Conversation) routing.Request {
	team := ""
	if c != nil {
		team = c.Properties[PropertyTransferTeam]
	}
	if team == "" {
		return req
	}
	strategy := req.Strategy
	if strategy == routing.StrategyContactOwner || strategy == "" {
		strategy = routing.StrategyRoundRobin
	}
	return routing.Request{Strategy: strategy, TeamIDs: []string{team}}
}

type transferBody struct {
	AgentID string `json:"agentId"`
	TeamID  string `json:"teamId"`
	Note    string `json:"note"`
}

// agentTransfer is POST api/v1/agent/conversations/{id}/transfer.
func (h *agentAPI) agentTransfer(w http.ResponseWriter, r *http.Request) {
	serveConv(h.server, w, r, h.agentConversation, func(c *Conversation, req *transferBody) (int, any, error) {
		c, err := h.eng.transfer(r.Context(), c.ID, agentFrom(r.Context()).ID, req.AgentID, req.TeamID, req.Note)
		return http.StatusOK, map[string]any{"conversation": c}, err
	})
}
