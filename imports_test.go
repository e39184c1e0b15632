package livechat_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The module's import graph: leaves never import the root, internal
// packages import nothing of the module, the root
// never imports an adapter, and each driver is imported only by the
// packages that adapt it.
func TestImportGraph(t *testing.T) {
	const mod = "github.com/golivechat/livechat"
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}:{{join .Imports ","}}`, "./...").Output()
	require.NoError(t, err)
	imports := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, deps, _ := strings.Cut(line, ":")
		imports[pkg] = strings.Split(deps, ",")
	}
	leaves := []string{"/transport", "/web", "/flow", "/targeting", "/availability", "/routing", "/invalid", "/identity", "/consent", "/knowledge"}
	// A driver is matched with its subpackages (pgx/v5/pgxpool is pgx/v5);
	// its value lists the packages that may import it. The load tool
	// measures raw inserts with the PostgreSQL driver as the ceiling of
	// storage/postgres (for SQLite it uses the driver storage/sqlite
	// registers with database/sql).
	drivers := map[string][]string{
		"modernc.org/sqlite":           {mod + "/storage/sqlite"},
		"github.com/jackc/pgx/v5":      {mod + "/storage/postgres", mod + "/transport/pgbroker", mod + "/cmd/livechat-load"},
		"github.com/redis/go-redis/v9": {mod + "/transport/redisbroker"},
		"github.com/nats-io/nats.go":   {mod + "/transport/natsbroker"},
	}
	for pkg, deps := range imports {
		for _, d := range deps {
			for _, leaf := range leaves {
				if pkg == mod+leaf || strings.HasPrefix(pkg, mod+leaf+"/") && !strings.Contains(pkg, "broker") {
					require.NotEqual(t, mod, d, "%s is a leaf and must not import the root", pkg)
				}
			}
			if strings.HasPrefix(pkg, mod+"/internal/") {
				// A piece moved out of the root because it needs nothing
				// from it: it needs nothing else of the module either.
				require.False(t, d == mod || strings.HasPrefix(d, mod+"/"), "%s is internal and must import nothing of the module, not %s", pkg, d)
			}
			if pkg == mod {
				require.False(t, strings.HasPrefix(d, mod+"/storage") || strings.HasPrefix(d, mod+"/examples"), "the root must not import the adapter %s", d)
			}
			for driver, owners := range drivers {
				if d == driver || strings.HasPrefix(d, driver+"/") {
					require.Contains(t, owners, pkg, "%s may be imported only by %s", d, strings.Join(owners, " and "))
				}
			}
		}
	}
	require.Contains(t, imports, mod+"/storage/sqlite")
	require.Contains(t, imports, mod+"/storage/postgres")
	require.Contains(t, imports[mod], mod+"/internal/typing")
}

// The library's go.mod requires only what the library and its tests
// import: the browser tests, chi and the Prometheus exporter belong to the
// examples' module (examples/go.mod), so that an application importing
// the library never has them in its module graph. .ci/run checks that
// both modules are tidy.
func TestModuleLeavesExamplesOut(t *testing.T) {
	mod, err := os.ReadFile("go.mod")
	require.NoError(t, err)
	for _, dep := range []string{"github.com/chromedp/", "github.com/go-chi/", "github.com/prometheus/", "go.opentelemetry.io/otel/exporters/"} {
		require.NotContains(t, string(mod), dep)
	}
	examples, err := os.ReadFile("examples/go.mod")
	require.NoError(t, err)
	require.Contains(t, string(examples), "module github.com/golivechat/livechat/examples\n")
	require.Contains(t, string(examples), "replace github.com/golivechat/livechat => ../\n")
	work, err := os.ReadFile("go.work")
	require.NoError(t, err)
	require.Regexp(t, `(?s)use \(\s*\.\s*\./examples\s*\)`, string(work))
}
