package sqlite

import (
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

func TestEmbeddedMigrations(t *testing.T) {
	ms, err := parseMigrations(migrationFiles)
	require.NoError(t, err)
	require.NotEmpty(t, ms)
}
