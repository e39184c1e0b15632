package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
)

func TestParseMigrations(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	tests := []struct {
		name    string
		files   fstest.MapFS
		want    []int
		wantErr string
	}{
		{"Ordered", fstest.MapFS{
			"migrations/0002_b.sql": file("B"), "migrations/0001_a.sql": file("A"), "migrations/0010_c.sql.txt": file("-"),
		}, []int{1, 2}, ""},
		{"Gap", fstest.MapFS{"migrations/0001_a.sql": file("A"), "migrations/0003_c.sql": file("C")}, nil, "want 2"},
		{"Duplicate", fstest.MapFS{"migrations/0001_a.sql": file("A"), "migrations/1_b.sql": file("B")}, nil, "want 2"},
		{"BadName", fstest.MapFS{"migrations/init.sql": file("A")}, nil, "NNNN_description.sql"},
		{"Zero", fstest.MapFS{"migrations/0000_a.sql": file("A")}, nil, "NNNN_description.sql"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms, err := parseMigrations(tt.files)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			var got []int
			for _, m := range ms {
				got = append(got, m.version)
			}
			require.Equal(t, tt.want, got)
		})
	}
}

func TestEmbeddedMigrations(t *testing.T) {
	ms, err := parseMigrations(migrationFiles)
	require.NoError(t, err)
	require.NotEmpty(t, ms)
}

// A database made before client message ids were keyed per sender
// migrates, keeps its messages and their idempotency, and lets an agent
// reuse the visitor's id.
func TestMigrateClientKeyPerSender(t *testing.T) {
	ctx := context.Background()
	i := slices.IndexFunc(migrations, func(m migration) bool { return strings.HasSuffix(m.name, "_client_key_per_sender.sql") })
	require.Positive(t, i, "the migration exists")
	path := filepath.Join(t.TempDir(), "chat.db")
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	require.NoError(t, migrate(ctx, db, migrations[:i]))
	_, err = db.ExecContext(ctx, `INSERT INTO conversations (id, visitor_id, status) VALUES ('c1', 'v1', 'open')`)
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, `INSERT INTO messages (conversation_id, seq, id, client_msg_id, sender, author_id, text)
		VALUES ('c1', 1, 'm1', 'x', 'visitor', 'v1', 'from the visitor')`)
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, `UPDATE conversations SET last_seq = 1 WHERE id = 'c1'`)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	s, err := Open(path)
	require.NoError(t, err)
	defer s.Close()
	again, created, err := s.AppendMessage(ctx, &livechat.Message{ConversationID: "c1", ClientMsgID: "x", Sender: livechat.SenderVisitor, AuthorID: "v1", Text: "again"})
	require.NoError(t, err)
	require.False(t, created, "the visitor's repeat")
	require.Equal(t, "m1", again.ID)
	m, created, err := s.AppendMessage(ctx, &livechat.Message{ConversationID: "c1", ClientMsgID: "x", Sender: livechat.SenderAgent, AuthorID: "a1", Text: "from the agent"})
	require.NoError(t, err)
	require.True(t, created, "the agent reusing the visitor's id")
	require.EqualValues(t, 2, m.Seq)
	var n int
	require.NoError(t, s.r.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE name = 'messages_client_msg_id'`).Scan(&n))
	require.Zero(t, n, "the old index is gone")
}

// A database made before agents had HostFields migrates: its agents come
// back with none, and keep the rest.
func TestMigrateAgentHostFields(t *testing.T) {
	ctx := context.Background()
	i := slices.IndexFunc(migrations, func(m migration) bool { return strings.HasSuffix(m.name, "_agent_host_fields.sql") })
	require.Positive(t, i, "the migration exists")
	path := filepath.Join(t.TempDir(), "chat.db")
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	require.NoError(t, migrate(ctx, db, migrations[:i]))
	_, err = db.ExecContext(ctx, `INSERT INTO agents (id, name, skills, capacity) VALUES ('a1', 'Ada', '["de"]', 3)`)
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, `INSERT INTO agents (id, name, team_ids) VALUES ('a2', 'Grace', '["sales"]'), ('a3', 'Linus', '[]')`)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	s, err := Open(path)
	require.NoError(t, err)
	defer s.Close()
	a, err := s.Agent(ctx, "a1")
	require.NoError(t, err)
	require.Equal(t, "Ada", a.Name)
	require.Equal(t, []string{"de"}, a.Skills)
	require.Equal(t, 3, a.Capacity)
	// Set before team settings existed: by the host's sign-in.
	require.Equal(t, []string{livechat.AgentFieldSkills, livechat.AgentFieldCapacity}, a.HostFields)
	a2, err := s.Agent(ctx, "a2")
	require.NoError(t, err)
	require.Equal(t, []string{livechat.AgentFieldTeamIDs}, a2.HostFields)
	a3, err := s.Agent(ctx, "a3")
	require.NoError(t, err)
	require.Nil(t, a3.HostFields, "nothing set: everything is the team lead's")
	a.HostFields = []string{livechat.AgentFieldCapacity}
	require.NoError(t, s.PutAgent(ctx, a))
	a, err = s.Agent(ctx, "a1")
	require.NoError(t, err)
	require.Equal(t, []string{livechat.AgentFieldCapacity}, a.HostFields)
}

// A database of the schema before the conversation indexes lost
// updated_at migrates: the two indexes hold the new columns, the
// conversations and messages are kept, the lists by visitor and by
// assignee come in the same order, and appends continue the sequence.
func TestMigrateConversationIndexes(t *testing.T) {
	ctx := context.Background()
	i := slices.IndexFunc(migrations, func(m migration) bool {
		return strings.HasSuffix(m.name, "_conversation_indexes_without_updated_at.sql")
	})
	require.Positive(t, i, "the migration exists")
	path := filepath.Join(t.TempDir(), "chat.db")
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	require.NoError(t, migrate(ctx, db, migrations[:i]))
	for n, c := range []struct{ id, visitor, assignee, status string }{
		{"c1", "v1", "a1", "open"}, {"c2", "v1", "", "open"}, {"c3", "v2", "a1", "closed"}, {"c4", "v1", "a1", "open"},
	} {
		_, err = db.ExecContext(ctx, `INSERT INTO conversations (id, visitor_id, assignee_id, status, last_seq, created_at, updated_at)
			VALUES (?, ?, ?, ?, 1, ?, ?)`, c.id, c.visitor, c.assignee, c.status, n, 100-n)
		require.NoError(t, err)
		_, err = db.ExecContext(ctx, `INSERT INTO messages (conversation_id, seq, id, client_msg_id, sender, author_id, text)
			VALUES (?, 1, ?, 'k1', 'visitor', ?, 'before the migration')`, c.id, "m-"+c.id, c.visitor)
		require.NoError(t, err)
	}
	require.NoError(t, db.Close())

	s, err := Open(path)
	require.NoError(t, err)
	defer s.Close()
	columns := func(index string) []string {
		rows, err := s.r.QueryContext(ctx, `SELECT name FROM pragma_index_info(?) ORDER BY seqno`, index)
		require.NoError(t, err)
		defer rows.Close()
		var cols []string
		for rows.Next() {
			var c string
			require.NoError(t, rows.Scan(&c))
			cols = append(cols, c)
		}
		require.NoError(t, rows.Err())
		return cols
	}
	require.Equal(t, []string{"visitor_id"}, columns("conversations_visitor"))
	require.Equal(t, []string{"assignee_id", "status"}, columns("conversations_assignee"))
	require.Equal(t, []string{"updated_at", "id"}, columns("conversations_updated"))

	ids := func(cs []*livechat.Conversation) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	byVisitor, err := s.Conversations(ctx, livechat.ConversationFilter{VisitorID: "v1"})
	require.NoError(t, err)
	require.Equal(t, []string{"c1", "c2", "c4"}, ids(byVisitor), "newest update first")
	byAssignee, err := s.Conversations(ctx, livechat.ConversationFilter{AssigneeID: "a1", Status: livechat.StatusOpen})
	require.NoError(t, err)
	require.Equal(t, []string{"c1", "c4"}, ids(byAssignee))

	again, created, err := s.AppendMessage(ctx, &livechat.Message{ConversationID: "c4", ClientMsgID: "k1", Sender: livechat.SenderVisitor, AuthorID: "v1", Text: "again"})
	require.NoError(t, err)
	require.False(t, created, "the client key survives")
	require.Equal(t, "m-c4", again.ID)
	m, conv, created, err := s.AppendMessageIf(ctx, &livechat.Message{ConversationID: "c4", ClientMsgID: "k2", Sender: livechat.SenderVisitor, AuthorID: "v1", Text: "after"},
		livechat.AppendCondition{VisitorID: "v1", NotClosed: true})
	require.NoError(t, err)
	require.True(t, created)
	require.EqualValues(t, 2, m.Seq)
	require.EqualValues(t, 2, conv.LastSeq)
	byVisitor, err = s.Conversations(ctx, livechat.ConversationFilter{VisitorID: "v1"})
	require.NoError(t, err)
	require.Equal(t, []string{"c4", "c1", "c2"}, ids(byVisitor), "the append moved c4 first")
}
