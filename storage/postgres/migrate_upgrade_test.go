package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/golivechat/livechat"
	"github.com/golivechat/livechat/storage/postgres"
)

// A schema from before Agent.HostFields migrates: the team settings its
// agents have came from the host's sign-in, so they are the host's.
func TestMigrateAgentHostFields(t *testing.T) {
	ctx := context.Background()
	dsn := testDSN(t)
	schema := testSchema(t, dsn)
	pool, err := pgxpool.New(ctx, dsn)
	require.NoError(t, err)
	defer pool.Close()

	// The schema as it was before the migration: without the column, the
	// migration not applied, and agents stored by sign-ins.
	s, err := postgres.New(ctx, pool, postgres.WithSchema(schema))
	require.NoError(t, err)
	require.NoError(t, s.Close())
	q := `"` + schema + `"`
	// The later migrations are undone too, so that they run again after it.
	_, err = pool.Exec(ctx, `ALTER TABLE `+q+`.agents DROP COLUMN host_fields`)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `DROP TABLE `+q+`.files`)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `ALTER TABLE `+q+`.messages DROP COLUMN attachment`)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `DROP TABLE `+q+`.page_views`)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `DROP TABLE `+q+`.saved_replies`)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `ALTER TABLE `+q+`.conversations DROP COLUMN snoozed_until`)
	require.NoError(t, err)
	tag, err := pool.Exec(ctx, `DELETE FROM `+q+`.schema_migrations WHERE version >= 2`)
	require.NoError(t, err)
	require.EqualValues(t, 5, tag.RowsAffected(), "the migrations were recorded")
	_, err = pool.Exec(ctx, `INSERT INTO `+q+`.agents (id, name, skills, capacity, team_ids) VALUES
		('a1', 'Ada', '{de}', 3, NULL), ('a2', 'Grace', NULL, 0, '{sales}'), ('a3', 'Linus', '{}', 0, NULL)`)
	require.NoError(t, err)

	s, err = postgres.New(ctx, pool, postgres.WithSchema(schema))
	require.NoError(t, err)
	defer s.Close()
	for id, want := range map[string][]string{
		"a1": {livechat.AgentFieldSkills, livechat.AgentFieldCapacity},
		"a2": {livechat.AgentFieldTeamIDs},
		"a3": nil,
	} {
		a, err := s.Agent(ctx, id)
		require.NoError(t, err)
		require.Equal(t, want, a.HostFields, id)
	}
}
