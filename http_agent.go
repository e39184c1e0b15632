package livechat

import (
	"context"
	"net/http"

	"github.com/golivechat/livechat/internal/origin"
)

type agentKey struct{}

var errNotAgent = publicf(ErrUnauthorized, "not signed in as an agent")

func agentFrom(ctx context.Context) *Agent {
	a, _ := ctx.Value(agentKey{}).(*Agent)
	return a
}

// agentAuth admits requests the host's AgentAuth approves.
func (h *server) agentAuth(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if h.cfg.AgentAuth == nil {
			h.fail(w, r, publicf(ErrUnauthorized, "agent login is not configured"))
			return
		}
		// The inbox is served by this Handler: its pages are on the
		// server's own origin, and no other origin's page, not even one
		// allowed to embed the widget, may act as a signed-in agent.
		if !origin.Allowed(r, nil) {
			h.fail(w, r, errOriginNotAllowed)
			return
		}
		a, err := h.cfg.AgentAuth(r)
		if err != nil || a == nil {
			h.fail(w, r, errNotAgent)
			return
		}
		if !validID(a.ID) {
			h.log.Error("livechat: AgentAuth returned an agent with an invalid id (want 1-64 of [A-Za-z0-9_-])")
			h.fail(w, r, errNotAgent)
			return
		}
		stored, err := h.routing.syncAgent(r.Context(), a)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), agentKey{}, stored)))
	}
}

func (h *agentAPI) agentMe(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"agent": agentFrom(r.Context())})
}

func (h *agentAPI) agentPresence(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Presence Presence `json:"presence"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	a, err := h.eng.setPresence(r.Context(), agentFrom(r.Context()).ID, req.Presence)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"agent": a})
}

func (h *agentAPI) agentAgents(w http.ResponseWriter, r *http.Request) {
	agents, err := h.store.Agents(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"agents": nonNil(agents)})
}

func (h *agentAPI) agentTeams(w http.ResponseWriter, r *http.Request) {
	teams, err := h.team.teams(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"teams": nonNil(teams)})
}

// conversationSummary is a conversation as the inbox lists it.
type conversationSummary struct {
	*Conversation
	VisitorID string `json:"visitorId"`
	// VisitorName is what the inbox calls the visitor: the contact's name,
	// else its email, else a name generated from the visitor id.
	VisitorName string        `json:"visitorName"`
	Visitor     *visitorBrief `json:"visitor,omitempty"`
	LastMessage *Message      `json:"lastMessage,omitempty"`
	Unread      int           `json:"unread"`
	// Survey is the visitor's rating of a closed conversation, once given.
	Survey *SurveyAnswer `json:"survey,omitempty"`
	// Match is, in search results, the conversation's newest message
	// that contains the text searched for.
	Match *Message `json:"match,omitempty"`
}

type visitorBrief struct {
	ID       string        `json:"id"`
	PageURL  string        `json:"pageUrl,omitempty"`
	Language string        `json:"language,omitempty"`
	Contact  *contactBrief `json:"contact,omitempty"`
}

// contactBrief is what the inbox shows of a visitor's contact; Verified
// says whether the host vouched for it or the visitor only typed it.
type contactBrief struct {
	ID       string `json:"id"`
	Name     string `json:"name,omitempty"`
	Email    string `json:"email,omitempty"`
	Verified bool   `json:"verified"`
	OwnerID  string `json:"ownerId,omitempty"`
}

// vouchedFor is what the inbox may say of visitor v's contact c. A
// verified contact speaks for the visitor only when the host identified
// that visitor: one who merely typed the contact's email address (email
// capture links them to the contact) is shown with that address alone,
// unverified, never with the name the host vouched for.
func vouchedFor(v *Visitor, c *Contact) *Contact {
	if !c.Verified || isIdentifiedVisitor(v.ID) {
		return c
	}
	return &Contact{ID: c.ID, Email: c.Email, OwnerID: c.OwnerID}
}

func (h *agentAPI) summarize(ctx context.Context, c *Conversation, agentID string) (*conversationSummary, error) {
	s := &conversationSummary{Conversation: c, VisitorID: c.VisitorID}
	var contact *Contact
	if v, err := h.store.Visitor(ctx, c.VisitorID); err == nil {
		s.Visitor = &visitorBrief{ID: v.ID, PageURL: v.PageURL, Language: v.Language}
		if v.ContactID != "" {
			if ct, err := h.store.Contact(ctx, v.ContactID); err == nil {
				contact = vouchedFor(v, ct)
				s.Visitor.Contact = &contactBrief{ID: contact.ID, Name: contact.Name, Email: contact.Email, Verified: contact.Verified, OwnerID: contact.OwnerID}
			}
		}
	} else if !isNotFound(err) {
		return nil, err
	}
	s.VisitorName = visitorName(c.VisitorID, contact)
	if c.Status == StatusClosed {
		if a, err := h.store.Survey(ctx, c.ID); err == nil {
			s.Survey = a
		} else if !isNotFound(err) {
			return nil, err
		}
	}
	if c.LastSeq == 0 {
		return s, nil
	}
	marks, err := h.store.ReadMarks(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	var read int64
	for _, m := range marks {
		if m.Participant == agentParticipant(agentID) {
			read = m.Seq
		}
	}
	// Unread counts at most the last 100 messages; the inbox shows "99+".
	from := max(read, c.LastSeq-100)
	msgs, err := h.store.Messages(ctx, c.ID, from, 100)
	if err != nil {
		return nil, err
	}
	for _, m := range msgs {
		if m.Sender == SenderVisitor {
			s.Unread++
		}
	}
	if len(msgs) > 0 {
		s.LastMessage = msgs[len(msgs)-1]
	} else if last, err := h.store.Messages(ctx, c.ID, c.LastSeq-1, 1); err == nil && len(last) == 1 {
		s.LastMessage = last[0]
	}
	return s, nil
}

func (h *agentAPI) agentList(w http.ResponseWriter, r *http.Request) {
	me := agentFrom(r.Context())
	page, next, err := (&listAPI{h.server}).listPage(r, me)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := make([]*conversationSummary, 0, len(page))
	for _, m := range page {
		s, err := h.summarize(r.Context(), m.Conversation, me.ID)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		s.Match = m.Message
		out = append(out, s)
	}
	body := map[string]any{"conversations": out}
	if next != "" {
		body["nextCursor"] = next
	}
	writeJSON(w, http.StatusOK, body)
}

func (h *agentAPI) agentConversation(r *http.Request) (*Conversation, error) {
	id := r.PathValue("id")
	if id == "" {
		id = r.URL.Query().Get("conversationId")
	}
	return h.eng.conversation(r.Context(), id)
}

func (h *agentAPI) agentThread(w http.ResponseWriter, r *http.Request) {
	c, err := h.agentConversation(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	s, err := h.summarize(r.Context(), c, agentFrom(r.Context()).ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	from := max(0, c.LastSeq-100)
	msgs, err := h.store.Messages(r.Context(), c.ID, from, 100)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	marks, err := h.store.ReadMarks(r.Context(), c.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var survey *SurveyAnswer
	if a, err := h.store.Survey(r.Context(), c.ID); err == nil {
		survey = a
	} else if !isNotFound(err) {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"conversation": s, "messages": nonNil(msgs), "readMarks": nonNil(marks), "hasMore": from > 0, "survey": survey,
		"files": h.files.limits(r.Context(), c)})
}

func (h *agentAPI) agentMessages(w http.ResponseWriter, r *http.Request) {
	c, err := h.agentConversation(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	msgs, more, err := h.readPage(r, c.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	marks, err := h.store.ReadMarks(r.Context(), c.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"conversation": c, "messages": nonNil(msgs), "readMarks": nonNil(marks), "hasMore": more, "seq": pageSeq(c, msgs, more)})
}

func (h *agentAPI) agentSend(w http.ResponseWriter, r *http.Request) {
	postAsAgent(h, w, r, h.eng.sendAsAgent)
}

// postAsAgent answers a POST of an agent's message or note: post stores
// it, and a repeat of the client message id answers the original.
func postAsAgent(h *agentAPI, w http.ResponseWriter, r *http.Request,
	post func(ctx context.Context, conversationID, agentID, clientMsgID, text string) (*Message, bool, error)) {
	var req sendRequest
	if err := decodeJSON(w, r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := checkClientMsgID(req.ClientMessageID); err != nil {
		h.fail(w, r, err)
		return
	}
	m, created, err := post(r.Context(), r.PathValue("id"), agentFrom(r.Context()).ID, req.ClientMessageID, req.Text)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, map[string]any{"message": m})
}

func (h *agentAPI) agentPoll(w http.ResponseWriter, r *http.Request) {
	c, err := h.agentConversation(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.poll(w, r, c, false)
}

func (h *agentAPI) agentClose(w http.ResponseWriter, r *http.Request) {
	serveConv(h.server, w, r, h.agentConversation, func(c *Conversation, _ *struct{}) (int, any, error) {
		c, err := h.eng.closeConversation(r.Context(), c.ID, agentFrom(r.Context()).ID)
		return http.StatusOK, map[string]any{"conversation": c}, err
	})
}

type assignRequest struct {
	AgentID string `json:"agentId"`
}

func (h *agentAPI) agentAssign(w http.ResponseWriter, r *http.Request) {
	serveConv(h.server, w, r, h.agentConversation, func(c *Conversation, req *assignRequest) (int, any, error) {
		if req.AgentID != "" && !validID(req.AgentID) {
			return 0, nil, errAgentNotFound
		}
		c, err := h.eng.assign(r.Context(), c.ID, req.AgentID)
		return http.StatusOK, map[string]any{"conversation": c}, err
	})
}

func (h *agentAPI) agentRead(w http.ResponseWriter, r *http.Request) {
	serveConv(h.server, w, r, h.agentConversation, func(c *Conversation, req *readRequest) (int, any, error) {
		mark, err := h.eng.markRead(r.Context(), c.ID, agentParticipant(agentFrom(r.Context()).ID), req.Seq)
		return http.StatusOK, map[string]any{"seq": mark.Seq}, err
	})
}

func (h *agentAPI) agentTyping(w http.ResponseWriter, r *http.Request) {
	serveConv(h.server, w, r, h.agentConversation, func(c *Conversation, req *typingRequest) (int, any, error) {
		h.eng.typing(r.Context(), c.ID, agentParticipant(agentFrom(r.Context()).ID), req.Typing)
		return http.StatusNoContent, nil, nil
	})
}
