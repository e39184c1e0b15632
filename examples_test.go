package livechat_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Every package of the module but the commands shows its main entry point
// in a runnable Example function, as pkg.go.dev lists them.
func TestEveryPackageHasAnExample(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.Name}} {{.Dir}}`, "./...").Output()
	require.NoError(t, err)
	example := regexp.MustCompile(`(?m)^func Example`)
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		name, dir, _ := strings.Cut(line, " ")
		if name == "main" {
			continue // examples and tools: programs, shown by running them
		}
		tests, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
		require.NoError(t, err)
		found := false
		for _, f := range tests {
			src, err := os.ReadFile(f)
			require.NoError(t, err)
			found = found || example.Match(src)
		}
		require.True(t, found, "%s has no Example function", dir)
	}
}
