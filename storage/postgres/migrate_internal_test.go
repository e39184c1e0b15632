package postgres

import (
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"
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

// tableRef finds the names a migration creates, changes or references.
var tableRef = regexp.MustCompile(`(?i)\b(?:(?:CREATE|ALTER|DROP) TABLE|DROP INDEX|REFERENCES|INDEX\s+\w+\s+ON|INSERT INTO|UPDATE|DELETE FROM)\s+(?:IF (?:NOT )?EXISTS\s+)?([^\s(;]+)`)

// Every name a migration makes or changes is in the Store's schema: a
// migration that names a table without {schema}. would touch the
// search_path's schema, another deployment's.
func TestEmbeddedMigrationsQualifyTables(t *testing.T) {
	ms, err := parseMigrations(migrationFiles)
	require.NoError(t, err)
	require.NotEmpty(t, ms)
	refs := 0
	for _, m := range ms {
		for _, line := range strings.Split(m.sql, "\n") {
			code, _, _ := strings.Cut(line, "--")
			for _, match := range tableRef.FindAllStringSubmatch(code, -1) {
				refs++
				require.True(t, strings.HasPrefix(match[1], "{schema}."), "%s: %q names %s outside {schema}", m.name, strings.TrimSpace(line), match[1])
			}
		}
	}
	require.Greater(t, refs, 10, "the pattern finds the tables")
}

func TestLockKey(t *testing.T) {
	require.Equal(t, lockKey("a", "b"), lockKey("a", "b"))
	require.NotEqual(t, lockKey("ab", "c"), lockKey("a", "bc"), "parts are separated")
	require.NotEqual(t, lockKey("livechat migrate", "one"), lockKey("livechat migrate", "two"))
}
