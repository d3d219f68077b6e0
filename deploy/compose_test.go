package deploy_test

// These tests read docker-compose.yml the way `docker compose` does (through
// compose-go: schema validation, interpolation, YAML merge keys, path
// resolution) and check the production topology described in
// deploy/README.md. No Docker engine is needed.

import (
	"bufio"
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v4"
)

const (
	healthy   = types.ServiceConditionHealthy               // "service_healthy"
	completed = types.ServiceConditionCompletedSuccessfully // "service_completed_successfully"
)

// The depends_on graph, edge by edge, with its condition.
var wantDependsOn = map[string]map[string]string{
	"postgresql":      {},
	"temporal-schema": {"postgresql": healthy},
	"temporal":        {"temporal-schema": completed},
	"temporal-setup":  {"temporal": healthy},
	"temporal-ui":     {"temporal": healthy},
	"migrate":         {"postgresql": healthy},
	"web":             {"migrate": completed, "temporal-setup": completed},
	"worker":          {"migrate": completed, "temporal-setup": completed},
}

// The services built from deploy/Dockerfile and the subcommand each runs.
var wantSubcommand = map[string]string{
	"web":            "web",
	"worker":         "worker",
	"migrate":        "migrate",
	"temporal-setup": "temporal-setup",
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// loadProject loads ../docker-compose.yml with the given variables as the only
// environment (the process environment is not used, so ${VAR:-default}
// resolves to its default unless env sets it).
func loadProject(t *testing.T, env ...string) *types.Project {
	t.Helper()
	root := repoRoot(t)
	opts, err := cli.NewProjectOptions(
		[]string{filepath.Join(root, "docker-compose.yml")},
		cli.WithWorkingDirectory(root),
		cli.WithEnv(env),
		cli.WithInterpolation(true),
		cli.WithNormalization(true),
		cli.WithConsistency(true),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		t.Fatal(err)
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("docker-compose.yml does not load: %v", err)
	}
	return project
}

func service(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, err := p.GetService(name)
	if err != nil {
		t.Fatalf("service %q: %v", name, err)
	}
	return s
}

func env(s types.ServiceConfig, key string) (string, bool) {
	v, ok := s.Environment[key]
	if !ok || v == nil {
		return "", false
	}
	return *v, true
}

func TestServices(t *testing.T) {
	p := loadProject(t)
	var want []string
	for name := range wantDependsOn {
		want = append(want, name)
	}
	sort.Strings(want)
	got := p.ServiceNames()
	sort.Strings(got)
	if !slices.Equal(got, want) {
		t.Errorf("services = %v, want %v", got, want)
	}
}

func TestDependsOn(t *testing.T) {
	p := loadProject(t)
	for name, want := range wantDependsOn {
		s := service(t, p, name)
		got := map[string]string{}
		for dep, d := range s.DependsOn {
			got[dep] = d.Condition
			if !d.Required {
				t.Errorf("%s depends_on %s: required is false", name, dep)
			}
		}
		for dep, cond := range want {
			if got[dep] != cond {
				t.Errorf("%s depends_on %s: condition %q, want %q", name, dep, got[dep], cond)
			}
		}
		for dep := range got {
			if _, ok := want[dep]; !ok {
				t.Errorf("%s depends_on %s: unexpected edge", name, dep)
			}
		}
	}
}

// A service_healthy dependency needs a healthcheck on its target, and a
// service_completed_successfully one a one-shot that is not restarted forever.
func TestConditionsCanBeMet(t *testing.T) {
	p := loadProject(t)
	for _, s := range p.Services {
		for dep, d := range s.DependsOn {
			target := service(t, p, dep)
			switch d.Condition {
			case healthy:
				if target.HealthCheck == nil || target.HealthCheck.Disable || len(target.HealthCheck.Test) == 0 {
					t.Errorf("%s waits for %s to be healthy, but %s has no healthcheck", s.Name, dep, dep)
				}
			case completed:
				if target.Restart == types.RestartPolicyAlways || target.Restart == types.RestartPolicyUnlessStopped {
					t.Errorf("%s waits for %s to complete, but %s has restart: %s", s.Name, dep, dep, target.Restart)
				}
			}
		}
	}
}

func TestNoDependencyCycle(t *testing.T) {
	p := loadProject(t)
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	var visit func(name string, path []string)
	visit = func(name string, path []string) {
		path = append(path, name)
		switch state[name] {
		case visiting:
			t.Fatalf("dependency cycle: %s", strings.Join(path, " -> "))
		case done:
			return
		}
		state[name] = visiting
		s := service(t, p, name)
		deps := make([]string, 0, len(s.DependsOn))
		for dep := range s.DependsOn {
			deps = append(deps, dep)
		}
		sort.Strings(deps)
		for _, dep := range deps {
			visit(dep, path)
		}
		state[name] = done
	}
	names := p.ServiceNames()
	sort.Strings(names)
	for _, name := range names {
		visit(name, nil)
	}
}

func TestAppServicesBuildFromDockerfile(t *testing.T) {
	p := loadProject(t)
	root := repoRoot(t)
	wantDockerfile := filepath.Join(root, "deploy", "Dockerfile")
	if _, err := os.Stat(wantDockerfile); err != nil {
		t.Fatal(err)
	}
	for name, sub := range wantSubcommand {
		s := service(t, p, name)
		if s.Build == nil {
			t.Errorf("%s: no build section", name)
			continue
		}
		if s.Build.Context != root {
			t.Errorf("%s: build context %q, want the repository root %q", name, s.Build.Context, root)
		}
		dockerfile := s.Build.Dockerfile
		if !filepath.IsAbs(dockerfile) {
			dockerfile = filepath.Join(s.Build.Context, dockerfile)
		}
		if dockerfile != wantDockerfile {
			t.Errorf("%s: dockerfile %q, want %q", name, dockerfile, wantDockerfile)
		}
		if _, err := os.Stat(dockerfile); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if len(s.Entrypoint) != 0 {
			t.Errorf("%s: entrypoint %q overrides the image's /valghalla", name, s.Entrypoint)
		}
		if !slices.Equal([]string(s.Command), []string{sub}) {
			t.Errorf("%s: command %q, want [%q]", name, s.Command, sub)
		}
		if got, _ := env(s, "LOG_FORMAT"); got != "json" {
			t.Errorf("%s: LOG_FORMAT=%q, want json", name, got)
		}
	}
}

func TestAppEnvironment(t *testing.T) {
	p := loadProject(t)
	for _, name := range []string{"web", "worker", "migrate"} {
		s := service(t, p, name)
		raw, ok := env(s, "DATABASE_URL")
		if !ok || raw == "" {
			t.Errorf("%s: no DATABASE_URL", name)
			continue
		}
		u, err := url.Parse(raw)
		if err != nil {
			t.Errorf("%s: DATABASE_URL: %v", name, err)
			continue
		}
		if u.Scheme != "postgres" && u.Scheme != "postgresql" {
			t.Errorf("%s: DATABASE_URL scheme %q", name, u.Scheme)
		}
		if u.Host != "postgresql:5432" || u.Path != "/valghalla" || u.User.Username() != "valghalla" {
			t.Errorf("%s: DATABASE_URL %q, want valghalla@postgresql:5432/valghalla", name, u.Redacted())
		}
	}
	var namespaces []string
	for _, name := range []string{"web", "worker", "temporal-setup"} {
		s := service(t, p, name)
		if got, _ := env(s, "TEMPORAL_ADDRESS"); got != "temporal:7233" {
			t.Errorf("%s: TEMPORAL_ADDRESS=%q, want temporal:7233", name, got)
		}
		ns, ok := env(s, "TEMPORAL_NAMESPACE")
		if !ok || ns == "" {
			t.Errorf("%s: no TEMPORAL_NAMESPACE", name)
		}
		namespaces = append(namespaces, ns)
	}
	if len(slices.Compact(slices.Clone(namespaces))) != 1 {
		t.Errorf("web, worker and temporal-setup disagree on TEMPORAL_NAMESPACE: %v", namespaces)
	}
	if got, _ := env(service(t, p, "temporal-setup"), "TEMPORAL_RETENTION"); got == "" {
		t.Error("temporal-setup: no TEMPORAL_RETENTION")
	}
	ui := service(t, p, "temporal-ui")
	if got, _ := env(ui, "TEMPORAL_ADDRESS"); got != "temporal:7233" {
		t.Errorf("temporal-ui: TEMPORAL_ADDRESS=%q, want temporal:7233", got)
	}
}

// Secrets are ${VAR:-default} placeholders: setting the variable must reach
// every service that uses that secret, and the defaults must agree.
func TestSecretsAreWiredThrough(t *testing.T) {
	check := func(p *types.Project, appPW, temporalPW string) {
		t.Helper()
		for _, name := range []string{"web", "worker", "migrate"} {
			raw, _ := env(service(t, p, name), "DATABASE_URL")
			u, err := url.Parse(raw)
			if err != nil {
				t.Fatalf("%s: DATABASE_URL: %v", name, err)
			}
			if pw, _ := u.User.Password(); pw != appPW {
				t.Errorf("%s: DATABASE_URL password does not follow VALGHALLA_DB_PASSWORD", name)
			}
		}
		pg := service(t, p, "postgresql")
		if got, _ := env(pg, "VALGHALLA_DB_PASSWORD"); got != appPW {
			t.Errorf("postgresql: VALGHALLA_DB_PASSWORD (for the init script) does not follow the variable")
		}
		if got, _ := env(pg, "TEMPORAL_DB_PASSWORD"); got != temporalPW {
			t.Errorf("postgresql: TEMPORAL_DB_PASSWORD (for the init script) does not follow the variable")
		}
		if got, _ := env(service(t, p, "temporal-schema"), "SQL_PASSWORD"); got != temporalPW {
			t.Errorf("temporal-schema: SQL_PASSWORD does not follow TEMPORAL_DB_PASSWORD")
		}
		if got, _ := env(service(t, p, "temporal"), "POSTGRES_PWD"); got != temporalPW {
			t.Errorf("temporal: POSTGRES_PWD does not follow TEMPORAL_DB_PASSWORD")
		}
	}
	defaults := loadProject(t)
	raw, _ := env(service(t, defaults, "migrate"), "DATABASE_URL")
	u, _ := url.Parse(raw)
	defaultAppPW, _ := u.User.Password()
	defaultTemporalPW, _ := env(service(t, defaults, "temporal"), "POSTGRES_PWD")
	check(defaults, defaultAppPW, defaultTemporalPW)
	check(loadProject(t, "VALGHALLA_DB_PASSWORD=app-s3cret", "TEMPORAL_DB_PASSWORD=tmp-s3cret"),
		"app-s3cret", "tmp-s3cret")
}

func TestWeb(t *testing.T) {
	p := loadProject(t)
	web := service(t, p, "web")
	if got, _ := env(web, "LISTEN_ADDR"); got != "0.0.0.0:8080" {
		t.Errorf("web: LISTEN_ADDR=%q, want 0.0.0.0:8080", got)
	}
	if got, _ := env(web, "BASE_URL"); got == "" {
		t.Error("web: no BASE_URL")
	}
	// Plain http stays on the host: the TLS-terminating proxy runs beside it.
	published := false
	for _, port := range web.Ports {
		if port.Target == 8080 && port.Published == "8080" && port.HostIP == "127.0.0.1" {
			published = true
		}
	}
	if len(web.Ports) != 1 || !published {
		t.Errorf("web: container port 8080 is not published as 127.0.0.1:8080 (and only so): %+v", web.Ports)
	}

	hc := web.HealthCheck
	if hc == nil || len(hc.Test) < 2 || !strings.Contains(strings.Join(hc.Test, " "), "/readyz") {
		t.Fatalf("web: healthcheck does not probe /readyz: %+v", hc)
	}
	// The probe must be a program the (shell-less) image actually contains.
	if hc.Test[0] != "CMD" {
		t.Fatalf("web: healthcheck %q: the distroless image has no shell, use CMD", hc.Test)
	}
	if !slices.Contains(finalStageFiles(t), hc.Test[1]) {
		t.Errorf("web: healthcheck runs %s, which deploy/Dockerfile does not put in the final image", hc.Test[1])
	}
}

// web, worker and setup refuse a plain-http BASE_URL except to a loopback
// host (cmd/valghalla TestBaseURLMustBeHTTPS). The default is such a local
// trial, so the stack starts on a laptop; a production BASE_URL reaches web
// (and setup, run in web's container) and the worker alike.
func TestBaseURL(t *testing.T) {
	for _, c := range []struct {
		env  []string
		want string
	}{
		{nil, "http://127.0.0.1:8080"},
		{[]string{"BASE_URL=https://valg.sondera.example"}, "https://valg.sondera.example"},
	} {
		p := loadProject(t, c.env...)
		for _, name := range []string{"web", "worker"} {
			got, _ := env(service(t, p, name), "BASE_URL")
			if got != c.want {
				t.Errorf("%s with %v: BASE_URL=%q, want %q", name, c.env, got, c.want)
			}
			u, err := url.Parse(got)
			if err != nil || !(u.Scheme == "https" || u.Scheme == "http" && u.Hostname() == "127.0.0.1") {
				t.Errorf("%s with %v: BASE_URL=%q would be refused at start-up", name, c.env, got)
			}
		}
	}
}

func TestWorkerScales(t *testing.T) {
	p := loadProject(t)
	w := service(t, p, "worker")
	if w.ContainerName != "" {
		t.Errorf("worker: container_name %q prevents --scale", w.ContainerName)
	}
	if len(w.Ports) != 0 {
		t.Errorf("worker: published ports %+v prevent --scale", w.Ports)
	}
}

// Every published port is bound to loopback: the web app's plain http is
// for the TLS-terminating proxy on the host, and the rest has no
// authentication (the Temporal UI above all).
func TestPublishedPortsBoundToLoopback(t *testing.T) {
	p := loadProject(t)
	for _, name := range []string{"temporal-ui", "web"} {
		if len(service(t, p, name).Ports) == 0 {
			t.Errorf("%s: no published port", name)
		}
	}
	for _, s := range p.Services {
		for _, port := range s.Ports {
			if port.HostIP != "127.0.0.1" {
				t.Errorf("%s: port %d published on %q, want 127.0.0.1", s.Name, port.Target, port.HostIP)
			}
		}
	}
}

// bindSourceFor returns the host path of the bind mount that holds the
// container path target.
func bindSourceFor(s types.ServiceConfig, target string) (string, bool) {
	for _, v := range s.Volumes {
		if v.Type != types.VolumeTypeBind {
			continue
		}
		rel, err := filepath.Rel(v.Target, target)
		if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
			continue
		}
		return filepath.Join(v.Source, rel), true
	}
	return "", false
}

func TestTemporalDynamicConfig(t *testing.T) {
	p := loadProject(t)
	temporal := service(t, p, "temporal")
	inContainer, ok := env(temporal, "DYNAMIC_CONFIG_FILE_PATH")
	if !ok || !filepath.IsAbs(inContainer) {
		t.Fatalf("temporal: DYNAMIC_CONFIG_FILE_PATH=%q, want an absolute path", inContainer)
	}
	onHost, ok := bindSourceFor(temporal, inContainer)
	if !ok {
		t.Fatalf("temporal: no bind mount provides %s", inContainer)
	}
	want := filepath.Join(repoRoot(t), "deploy", "dynamicconfig", "production.yaml")
	if onHost != want {
		t.Errorf("temporal: dynamic config comes from %s, want %s", onHost, want)
	}
	data, err := os.ReadFile(onHost)
	if err != nil {
		t.Fatalf("temporal mounts a dynamic config that does not exist: %v", err)
	}
	var cfg map[string][]map[string]any
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatalf("%s: %v", onHost, err)
	}
	for _, key := range []string{
		"frontend.enableUpdateWorkflowExecution",
		"frontend.enableUpdateWorkflowExecutionAsyncAccepted",
		"limit.maxIDLength",
	} {
		if len(cfg[key]) == 0 {
			t.Errorf("%s: no %s", onHost, key)
		}
	}
	for key, values := range cfg {
		for _, v := range values {
			if _, ok := v["value"]; !ok {
				t.Errorf("%s: %s has an entry without value", onHost, key)
			}
		}
	}

	// Key names against the server source of the version go.mod pins.
	src := temporalServerSource(t)
	if src == "" {
		t.Log("go.temporal.io/server source not in the module cache: key names not checked")
		return
	}
	constants, err := os.ReadFile(filepath.Join(src, "common", "dynamicconfig", "constants.go"))
	if err != nil {
		t.Fatal(err)
	}
	// The server matches keys case-insensitively and only warns about unknown
	// ones, so a misspelt key would silently do nothing.
	lower := strings.ToLower(string(constants))
	for key := range cfg {
		if !strings.Contains(lower, `"`+strings.ToLower(key)+`"`) {
			t.Errorf("%s: %s is not a dynamic config key of %s", onHost, key, filepath.Base(src))
		}
	}
}

// moduleVersion returns the version of module path that ../go.mod requires.
func moduleVersion(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*(?:require\s+)?` + regexp.QuoteMeta(path) + `\s+v(\S+)`).FindSubmatch(data)
	if m == nil {
		return ""
	}
	return string(m[1])
}

func temporalServerSource(t *testing.T) string {
	version := moduleVersion(t, "go.temporal.io/server")
	if version == "" {
		return ""
	}
	modcache := os.Getenv("GOMODCACHE")
	if modcache == "" {
		if out, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
			modcache = strings.TrimSpace(string(out))
		}
	}
	if modcache == "" {
		return ""
	}
	dir := filepath.Join(modcache, "go.temporal.io", "server@v"+version)
	if _, err := os.Stat(dir); err != nil {
		return ""
	}
	return dir
}

// The production cluster runs the Temporal version the code is built and
// tested against (go.mod), with admin-tools (schema files) of the same version.
func TestTemporalImagesMatchGoMod(t *testing.T) {
	p := loadProject(t)
	tag := func(name string) (string, string) {
		image := service(t, p, name).Image
		repo, tag, _ := strings.Cut(image, ":")
		return repo, tag
	}
	if server := moduleVersion(t, "go.temporal.io/server"); server != "" {
		for _, name := range []string{"temporal", "temporal-schema"} {
			if _, got := tag(name); got != server {
				t.Errorf("%s: image tag %q, want %q (go.temporal.io/server in go.mod)", name, got, server)
			}
		}
	}
	if repo, _ := tag("temporal"); repo != "temporalio/server" {
		t.Errorf("temporal: image %q, want temporalio/server", repo)
	}
	if repo, _ := tag("temporal-schema"); repo != "temporalio/admin-tools" {
		t.Errorf("temporal-schema: image %q, want temporalio/admin-tools", repo)
	}
	repo, uiTag := tag("temporal-ui")
	if repo != "temporalio/ui" || !strings.HasPrefix(uiTag, "2.") {
		t.Errorf("temporal-ui: image %s:%s, want temporalio/ui:2.x", repo, uiTag)
	}
	if ui := moduleVersion(t, "github.com/temporalio/ui-server/v2"); ui != "" && uiTag != ui {
		t.Errorf("temporal-ui: tag %q, want %q (the ui-server `valghalla dev` embeds)", uiTag, ui)
	}
	temporal := service(t, p, "temporal")
	for key, want := range map[string]string{
		"DB":                "postgres12",
		"POSTGRES_SEEDS":    "postgresql",
		"DBNAME":            "temporal",
		"VISIBILITY_DBNAME": "temporal_visibility",
		"BIND_ON_IP":        "0.0.0.0",
	} {
		if got, _ := env(temporal, key); got != want {
			t.Errorf("temporal: %s=%q, want %q", key, got, want)
		}
	}
	if got, _ := env(temporal, "NUM_HISTORY_SHARDS"); !regexp.MustCompile(`^[1-9][0-9]*$`).MatchString(got) {
		t.Errorf("temporal: NUM_HISTORY_SHARDS=%q: must be a fixed number (it can never change)", got)
	}
}

func TestTemporalSchemaJob(t *testing.T) {
	p := loadProject(t)
	s := service(t, p, "temporal-schema")
	script := strings.Join(append(slices.Clone([]string(s.Entrypoint)), s.Command...), " ")
	for _, want := range []string{
		"temporal-sql-tool",
		"create-database",
		"setup-schema -v 0.0",
		"update-schema -d",
		"/etc/temporal/schema/postgresql/v12",
		"versioned",
		"temporal_visibility",
	} {
		if !strings.Contains(script, want) {
			t.Errorf("temporal-schema: script does not contain %q", want)
		}
	}
	if got, _ := env(s, "SQL_PLUGIN"); got != "postgres12" {
		t.Errorf("temporal-schema: SQL_PLUGIN=%q, want postgres12", got)
	}
	if got, _ := env(s, "SQL_HOST"); got != "postgresql" {
		t.Errorf("temporal-schema: SQL_HOST=%q, want postgresql", got)
	}
}

func TestPostgresInitCreatesAppDatabase(t *testing.T) {
	p := loadProject(t)
	pg := service(t, p, "postgresql")
	if !strings.HasPrefix(pg.Image, "postgres:16") {
		t.Errorf("postgresql: image %q, want postgres:16", pg.Image)
	}
	dir, ok := bindSourceFor(pg, "/docker-entrypoint-initdb.d")
	if !ok {
		t.Fatal("postgresql: nothing mounted at /docker-entrypoint-initdb.d")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") || strings.HasSuffix(e.Name(), ".sh") {
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			all.Write(data)
		}
	}
	for _, want := range []string{
		`(?i)CREATE\s+ROLE\s+valghalla\b`,
		`(?i)CREATE\s+DATABASE\s+valghalla\b`,
		`(?i)CREATE\s+ROLE\s+temporal\b[^;]*\bCREATEDB\b`,
	} {
		if !regexp.MustCompile(want).MatchString(all.String()) {
			t.Errorf("%s: no statement matching %s", dir, want)
		}
	}
	hasVolume := false
	for _, v := range pg.Volumes {
		if v.Type == types.VolumeTypeVolume && v.Target == "/var/lib/postgresql/data" {
			hasVolume = true
		}
	}
	if !hasVolume {
		t.Error("postgresql: /var/lib/postgresql/data is not on a named volume")
	}
}

func TestDockerignoreKeepsTheSources(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot(t), ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	patterns := map[string]bool{}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			patterns[strings.TrimSuffix(strings.TrimPrefix(line, "/"), "/")] = true
		}
	}
	if !patterns[".git"] {
		t.Error(".dockerignore: .git is not excluded")
	}
	for _, needed := range []string{"go.mod", "go.sum", "cmd", "*.go", "**/*.go", "*", "**"} {
		if patterns[needed] {
			t.Errorf(".dockerignore excludes %s, which the build needs", needed)
		}
	}
}

// ---- deploy/Dockerfile ----

type instruction struct {
	cmd  string // upper case: FROM, RUN, COPY, ...
	args string
}

// parseDockerfile returns the instructions with continuation lines joined and
// comments and heredoc bodies left out.
func parseDockerfile(t *testing.T) []instruction {
	t.Helper()
	f, err := os.Open(filepath.Join(repoRoot(t), "deploy", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	heredoc := regexp.MustCompile(`<<-?["']?([A-Za-z_][A-Za-z0-9_]*)["']?`)
	var (
		out     []instruction
		current strings.Builder
		endTag  string
	)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if endTag != "" {
			if strings.TrimSpace(line) == endTag {
				endTag = ""
			}
			continue
		}
		trimmed := strings.TrimSpace(line)
		if current.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if current.Len() > 0 && strings.HasPrefix(trimmed, "#") {
			continue // comment inside a continued instruction
		}
		if strings.HasSuffix(trimmed, `\`) {
			current.WriteString(strings.TrimSuffix(trimmed, `\`) + " ")
			continue
		}
		current.WriteString(trimmed)
		text := current.String()
		current.Reset()
		cmd, args, _ := strings.Cut(text, " ")
		out = append(out, instruction{cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)})
		if m := heredoc.FindStringSubmatch(text); m != nil {
			endTag = m[1]
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// stages splits the instructions at each FROM, resolving ${ARG} from the
// ARGs declared before the first FROM.
func stages(t *testing.T) [][]instruction {
	t.Helper()
	args := map[string]string{}
	var out [][]instruction
	for _, in := range parseDockerfile(t) {
		switch {
		case in.cmd == "ARG" && len(out) == 0:
			k, v, _ := strings.Cut(in.args, "=")
			args[k] = strings.Trim(v, `"`)
		case in.cmd == "FROM":
			in.args = os.Expand(in.args, func(k string) string { return args[k] })
			out = append(out, []instruction{in})
		case len(out) > 0:
			out[len(out)-1] = append(out[len(out)-1], in)
		}
	}
	if len(out) < 2 {
		t.Fatalf("deploy/Dockerfile: %d stages, want a multi-stage build", len(out))
	}
	return out
}

// finalStageFiles returns the destinations of the COPY instructions of the
// final stage.
func finalStageFiles(t *testing.T) []string {
	all := stages(t)
	var files []string
	for _, in := range all[len(all)-1] {
		if in.cmd == "COPY" {
			fields := strings.Fields(in.args)
			files = append(files, fields[len(fields)-1])
		}
	}
	return files
}

func TestDockerfile(t *testing.T) {
	all := stages(t)
	builder, final := all[0], all[len(all)-1]

	if image := strings.Fields(builder[0].args)[0]; !strings.HasPrefix(image, "golang:1.26") {
		t.Errorf("builder stage FROM %s, want golang:1.26", image)
	}

	var build string
	for _, stage := range all {
		for _, in := range stage {
			if in.cmd == "RUN" && strings.Contains(in.args, "./cmd/valghalla") {
				build = in.args
			}
			if strings.Contains(in.args, "CGO_ENABLED=1") {
				t.Errorf("Dockerfile enables cgo: %s %s", in.cmd, in.args)
			}
		}
	}
	if build == "" {
		t.Fatal("no RUN builds ./cmd/valghalla")
	}
	for _, want := range []string{"CGO_ENABLED=0", "go build", "-trimpath", "-o /valghalla", "./cmd/valghalla"} {
		if !strings.Contains(build, want) {
			t.Errorf("build step %q does not contain %q", build, want)
		}
	}

	base := strings.Fields(final[0].args)[0]
	if !(strings.HasPrefix(base, "gcr.io/distroless/static") && strings.HasSuffix(base, ":nonroot")) && base != "scratch" {
		t.Errorf("final stage FROM %s, want gcr.io/distroless/static-debian12:nonroot or scratch", base)
	}
	var user, entrypoint string
	copied := false
	for _, in := range final {
		switch in.cmd {
		case "USER":
			user = in.args
		case "ENTRYPOINT":
			entrypoint = in.args
		case "COPY":
			if strings.Contains(in.args, "--from=") && strings.HasSuffix(in.args, " /valghalla") {
				copied = true
			}
		}
	}
	if !copied {
		t.Error("final stage does not COPY --from=<builder> ... /valghalla")
	}
	if user != "nonroot" && !strings.HasPrefix(user, "nonroot:") && user != "65532" && !strings.HasPrefix(user, "65532:") {
		t.Errorf("final stage USER %q, want nonroot", user)
	}
	if entrypoint != `["/valghalla"]` {
		t.Errorf(`ENTRYPOINT %s, want ["/valghalla"]`, entrypoint)
	}
}

// web and worker get the keys that encrypt personal data from the
// deployment's environment; the file itself holds none.
func TestEncryptionKeysAreWiredThrough(t *testing.T) {
	keys := map[string]string{"VALGHALLA_ENCRYPTION_KEYS": "k1:AAAA", "VALGHALLA_BLIND_INDEX_KEY": "BBBB"}
	defaults := loadProject(t)
	set := loadProject(t, "VALGHALLA_ENCRYPTION_KEYS=k1:AAAA", "VALGHALLA_BLIND_INDEX_KEY=BBBB")
	for _, name := range []string{"web", "worker"} {
		for key, want := range keys {
			if got, ok := env(service(t, defaults, name), key); !ok || got != "" {
				t.Errorf("%s: %s = %q by default, want present and empty (the binary refuses to start)", name, key, got)
			}
			if got, _ := env(service(t, set, name), key); got != want {
				t.Errorf("%s: %s does not follow the variable: %q", name, key, got)
			}
		}
	}
	for _, name := range []string{"migrate", "temporal-setup", "temporal"} {
		if _, ok := env(service(t, defaults, name), "VALGHALLA_ENCRYPTION_KEYS"); ok {
			t.Errorf("%s gets the encryption keys but has no use for them", name)
		}
	}
}

// The worker asks the CPR register too (re-validation before the
// election), so it gets the same register settings as the web app.
func TestWebAndWorkerShareTheCPRRegister(t *testing.T) {
	p := loadProject(t, "CPR_ENDPOINT=https://sf1520.example/", "CPR_CVR=29189846", "CPR_EU_COUNTRY_CODES=5999")
	for _, key := range []string{"CPR_ENDPOINT", "CPR_CERT_FILE", "CPR_KEY_FILE", "CPR_CA_FILE", "CPR_CVR",
		"CPR_SERVICE_AGREEMENT_UUID", "CPR_USER_SYSTEM_UUID", "CPR_USER_UUID", "CPR_EU_COUNTRY_CODES"} {
		web, inWeb := env(service(t, p, "web"), key)
		worker, inWorker := env(service(t, p, "worker"), key)
		if !inWeb || !inWorker || web != worker {
			t.Errorf("%s: web %q (set %v), worker %q (set %v); want the same in both", key, web, inWeb, worker, inWorker)
		}
	}
}

// The web app and every worker replica serve Prometheus /metrics on a
// listener of their own (METRICS_ADDR), exposed to the compose network for
// the operators' Prometheus and published on no host port: the worker
// scales, and the series are for the operators only.
func TestMetricsAreExposed(t *testing.T) {
	p := loadProject(t)
	for _, name := range []string{"web", "worker"} {
		s := service(t, p, name)
		addr, _ := env(s, "METRICS_ADDR")
		if addr != "0.0.0.0:9090" {
			t.Errorf("%s: METRICS_ADDR=%q, want 0.0.0.0:9090", name, addr)
		}
		if !slices.Contains([]string(s.Expose), "9090") {
			t.Errorf("%s: port 9090 is not exposed to the network: expose %v", name, s.Expose)
		}
		for _, port := range s.Ports {
			if port.Target == 9090 {
				t.Errorf("%s: the metrics port is published on the host (%+v): expose it to the network only", name, port)
			}
		}
		if listen, _ := env(s, "LISTEN_ADDR"); listen != "" && strings.HasSuffix(listen, ":9090") {
			t.Errorf("%s: /metrics shares the public port %s", name, listen)
		}
	}
}
