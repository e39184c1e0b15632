package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

// The inbox's lists read their page from an index in its order, never by
// sorting every matching conversation: an agent's closed conversations
// are a long history read a page at a time.
func TestConversationListPlans(t *testing.T) {
	ctx := context.Background()
	s, err := Open(filepath.Join(t.TempDir(), "chat.db"))
	require.NoError(t, err)
	defer s.Close()
	after := &livechat.ConversationCursor{At: time.Now(), ID: "c1"}
	for name, f := range map[string]livechat.ConversationFilter{
		"AgentsClosed":          {AssigneeID: "a1", Status: livechat.StatusClosed, Limit: 50},
		"AgentsClosedNextPage":  {AssigneeID: "a1", Status: livechat.StatusClosed, Limit: 50, After: after},
		"Inbox":                 {Limit: 50},
		"InboxOpen":             {Status: livechat.StatusOpen, Limit: 50},
		"VisitorsConversations": {VisitorID: "v1", Limit: 50},
	} {
		t.Run(name, func(t *testing.T) {
			q, args, err := conversationsQuery(f, "")
			require.NoError(t, err)
			rows, err := s.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
			require.NoError(t, err)
			defer rows.Close()
			var plan []string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				require.NoError(t, rows.Scan(&id, &parent, &unused, &detail))
				plan = append(plan, detail)
			}
			require.NoError(t, rows.Err())
			text := strings.Join(plan, "; ")
			require.Contains(t, text, "USING INDEX", "reads an index: %s", text)
			if name == "AgentsClosed" || name == "AgentsClosedNextPage" {
				require.Contains(t, text, "conversations_assignee_closed", text)
				require.NotContains(t, text, "TEMP B-TREE", "no sort of the whole history: %s", text)
			}
		})
	}
}
