package storagetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

// The norm functions return a copy of a value in the form the suite
// compares: times truncated to the millisecond in UTC, empty slices and
// maps as nil. See the package documentation.

func normTime(tm time.Time) time.Time { return tm.Truncate(time.Millisecond).UTC() }

func normStrings(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func normVisitor(v *livechat.Visitor) livechat.Visitor {
	c := *v
	c.CreatedAt = normTime(c.CreatedAt)
	c.LastSeenAt = normTime(c.LastSeenAt)
	return c
}

func normContact(c *livechat.Contact) livechat.Contact {
	d := *c
	if len(d.Properties) == 0 {
		d.Properties = nil
	}
	d.CreatedAt = normTime(d.CreatedAt)
	d.UpdatedAt = normTime(d.UpdatedAt)
	return d
}

func normAgent(a *livechat.Agent) livechat.Agent {
	c := *a
	c.TeamIDs = normStrings(c.TeamIDs)
	c.Skills = normStrings(c.Skills)
	c.Permissions = normStrings(c.Permissions)
	c.HostFields = normStrings(c.HostFields)
	c.UpdatedAt = normTime(c.UpdatedAt)
	c.LastSeenAt = normTime(c.LastSeenAt)
	return c
}

func normTeam(t *livechat.Team) livechat.Team {
	c := *t
	c.AgentIDs = normStrings(c.AgentIDs)
	c.UpdatedAt = normTime(c.UpdatedAt)
	return c
}

func normConversation(c *livechat.Conversation) livechat.Conversation {
	d := *c
	if len(d.Properties) == 0 {
		d.Properties = nil
	}
	d.CreatedAt = normTime(d.CreatedAt)
	d.UpdatedAt = normTime(d.UpdatedAt)
	d.ClosedAt = normTime(d.ClosedAt)
	d.SnoozedUntil = normTime(d.SnoozedUntil)
	return d
}

func normMessage(m *livechat.Message) livechat.Message {
	c := *m
	c.CreatedAt = normTime(c.CreatedAt)
	return c
}

func normReadMark(m livechat.ReadMark) livechat.ReadMark {
	m.UpdatedAt = normTime(m.UpdatedAt)
	return m
}

func requireVisitor(t *testing.T, want, got *livechat.Visitor) {
	t.Helper()
	require.NotNil(t, got, "visitor")
	require.Equal(t, normVisitor(want), normVisitor(got), "visitor")
}

func requireContact(t *testing.T, want, got *livechat.Contact) {
	t.Helper()
	require.NotNil(t, got, "contact")
	require.Equal(t, normContact(want), normContact(got), "contact")
}

func requireAgent(t *testing.T, want, got *livechat.Agent) {
	t.Helper()
	require.NotNil(t, got, "agent")
	require.Equal(t, normAgent(want), normAgent(got), "agent")
}

func requireTeam(t *testing.T, want, got *livechat.Team) {
	t.Helper()
	require.NotNil(t, got, "team")
	require.Equal(t, normTeam(want), normTeam(got), "team")
}

func requireConversation(t *testing.T, want, got *livechat.Conversation) {
	t.Helper()
	require.NotNil(t, got, "conversation")
	require.Equal(t, normConversation(want), normConversation(got), "conversation")
}

func requireMessage(t *testing.T, want, got *livechat.Message) {
	t.Helper()
	require.NotNil(t, got, "message")
	require.Equal(t, normMessage(want), normMessage(got), "message")
}

func requireMessages(t *testing.T, want, got []*livechat.Message) {
	t.Helper()
	require.Len(t, got, len(want), "messages")
	for i := range want {
		requireMessage(t, want[i], got[i])
	}
}

func requireReadMark(t *testing.T, want, got livechat.ReadMark) {
	t.Helper()
	require.Equal(t, normReadMark(want), normReadMark(got), "read mark")
}

// requireChatflow compares everything but Version, which the caller checks.
func requireChatflow(t *testing.T, want, got *livechat.ChatflowRecord) {
	t.Helper()
	require.NotNil(t, got, "chatflow")
	require.Equal(t, want.ID, got.ID, "chatflow ID")
	require.JSONEq(t, string(want.Data), string(got.Data), "chatflow %q Data", want.ID)
	require.True(t, normTime(want.UpdatedAt).Equal(normTime(got.UpdatedAt)),
		"chatflow %q UpdatedAt: want %v, got %v", want.ID, want.UpdatedAt, got.UpdatedAt)
}

// ids returns the ID of every element.
func ids[T any](items []*T, id func(*T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}

func agentID(a *livechat.Agent) string               { return a.ID }
func teamID(t *livechat.Team) string                 { return t.ID }
func conversationID(c *livechat.Conversation) string { return c.ID }
func chatflowID(r *livechat.ChatflowRecord) string   { return r.ID }
