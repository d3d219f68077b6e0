package devserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mathrand "math/rand/v2"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
)

// The production topology: the real Temporal server (cmd/server of the
// pinned go.temporal.io/server) as an OS process of its own, configured by
// deploy/temporal/config.yaml, on PostgreSQL. The topology test of
// cmd/valghalla and the topology benchmark start it with what is here.

// Tools are the Temporal server's binaries, built from the module go.mod
// pins (its tool directives): the server and its SQL schema tool.
type Tools struct {
	Server, SQLTool string
	// Took is how long building them took (the Go build cache makes a
	// second build a link only).
	Took time.Duration
}

// BuildTools builds the server and the SQL tool into dir with `go build`,
// from the module of the current directory (the repository).
func BuildTools(ctx context.Context, dir string) (Tools, error) {
	t0 := time.Now()
	tools := Tools{Server: filepath.Join(dir, "temporal-server"), SQLTool: filepath.Join(dir, "temporal-sql-tool")}
	for out, pkg := range map[string]string{tools.Server: "go.temporal.io/server/cmd/server",
		tools.SQLTool: "go.temporal.io/server/cmd/tools/sql"} {
		// The environment's CGO_ENABLED as it is (make test sets 0): the
		// packages the test binary shares with the server come from the
		// build cache only when the setting is the same.
		cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
		if b, err := cmd.CombinedOutput(); err != nil {
			return tools, fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
		}
	}
	tools.Took = time.Since(t0)
	return tools, nil
}

// ExternalOptions say where the server process keeps its data and how it is
// configured.
type ExternalOptions struct {
	Tools Tools
	// ConfigFile is deploy/temporal/config.yaml; DynamicConfig the
	// project's deploy/dynamicconfig/production.yaml.
	ConfigFile, DynamicConfig string
	// Postgres is the server's postgres://user[:password]@host:port URL
	// (its path is ignored); Database and VisibilityDatabase exist and are
	// empty: SetupSchema gives them their schemas.
	Postgres                     string
	Database, VisibilityDatabase string
	// Shards is numHistoryShards (chosen at the first start, never changed).
	Shards int
	// MaxConns caps each of the server's connection pools to the
	// persistence database (0: the config file's 20); every service of the
	// process has pools of its own.
	MaxConns int
	// Output receives the server's log (default: discarded).
	Output io.Writer
}

// SetupSchema creates the persistence and visibility schemas in the two
// databases with the server's own SQL tool, as an operator does: the
// versioning tables at 0.0, then every versioned step of the embedded
// schemas postgresql/v12/temporal and postgresql/v12/visibility.
func SetupSchema(ctx context.Context, o ExternalOptions) error {
	host, port, user, password, err := splitPostgres(o.Postgres)
	if err != nil {
		return err
	}
	for db, schemaName := range map[string]string{o.Database: "postgresql/v12/temporal", o.VisibilityDatabase: "postgresql/v12/visibility"} {
		common := []string{"--plugin", "postgres12", "--ep", host, "-p", port, "-u", user, "--db", db}
		if password != "" {
			common = append(common, "--pw", password)
		}
		for _, step := range [][]string{{"setup-schema", "-v", "0.0"}, {"update-schema", "--schema-name", schemaName}} {
			cmd := exec.CommandContext(ctx, o.Tools.SQLTool, append(common, step...)...)
			if b, err := cmd.CombinedOutput(); err != nil {
				return fmt.Errorf("temporal-sql-tool %s on %s: %v\n%s", step[0], db, err, b)
			}
		}
	}
	return nil
}

// External is the Temporal server running as a process of its own, on the
// loopback ports it chose at the first start and keeps across restarts.
type External struct {
	o    ExternalOptions
	env  []string
	addr string

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
}

// StartExternal picks free loopback ports for the four services, starts
// the server and waits until its frontend answers.
func StartExternal(ctx context.Context, o ExternalOptions) (*External, error) {
	host, port, user, password, err := splitPostgres(o.Postgres)
	if err != nil {
		return nil, err
	}
	if o.Shards < 1 {
		o.Shards = 4
	}
	if o.Output == nil {
		o.Output = io.Discard
	}
	e := &External{o: o}
	e.env = append(os.Environ(),
		"POSTGRES_ADDR="+net.JoinHostPort(host, port), "POSTGRES_USER="+user, "POSTGRES_PWD="+password,
		"DBNAME="+o.Database, "VISIBILITY_DBNAME="+o.VisibilityDatabase,
		"NUM_HISTORY_SHARDS="+strconv.Itoa(o.Shards), "BIND_ON_IP=127.0.0.1", "TEMPORAL_VERSION_CHECK_DISABLED=1",
		"DYNAMIC_CONFIG_FILE_PATH="+o.DynamicConfig)
	if o.MaxConns > 0 {
		e.env = append(e.env, "SQL_MAX_CONNS="+strconv.Itoa(o.MaxConns), "VISIBILITY_SQL_MAX_CONNS="+strconv.Itoa(min(o.MaxConns, 5)))
	}
	for _, name := range []string{"FRONTEND_GRPC", "FRONTEND_MEMBERSHIP", "FRONTEND_HTTP", "HISTORY_GRPC", "HISTORY_MEMBERSHIP",
		"MATCHING_GRPC", "MATCHING_MEMBERSHIP", "WORKER_GRPC", "WORKER_MEMBERSHIP"} {
		p, err := freeLowPort()
		if err != nil {
			return nil, err
		}
		e.env = append(e.env, fmt.Sprintf("%s_PORT=%d", name, p))
		if name == "FRONTEND_GRPC" {
			e.addr = fmt.Sprintf("127.0.0.1:%d", p)
		}
	}
	if err := e.Start(ctx); err != nil {
		return nil, err
	}
	return e, nil
}

// FrontendAddress is the gRPC frontend's host:port, for SDK clients.
func (e *External) FrontendAddress() string { return e.addr }

// Start starts the server process (again, after Stop) on the same ports and
// waits until its frontend answers.
func (e *External) Start(ctx context.Context) error {
	e.mu.Lock()
	cmd := exec.Command(e.o.Tools.Server, "--config-file", e.o.ConfigFile, "--allow-no-auth", "start")
	cmd.Env = e.env
	cmd.Stdout, cmd.Stderr = e.o.Output, e.o.Output
	if err := cmd.Start(); err != nil {
		e.mu.Unlock()
		return fmt.Errorf("start the Temporal server: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	e.cmd, e.exited = cmd, exited
	e.mu.Unlock()
	return e.waitReady(ctx, exited)
}

// waitReady dials the frontend until it answers its health check.
func (e *External) waitReady(ctx context.Context, exited chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	for {
		dctx, dcancel := context.WithTimeout(ctx, 5*time.Second)
		c, err := client.DialContext(dctx, client.Options{HostPort: e.addr, Logger: sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))})
		dcancel()
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-exited:
			return errors.New("the Temporal server process exited while starting (see its log)")
		case <-ctx.Done():
			return fmt.Errorf("the Temporal server at %s did not answer: %w", e.addr, err)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// Stop sends SIGTERM, as an operator's restart does, and waits until the
// process has ended (SIGKILL after a minute).
func (e *External) Stop() error {
	e.mu.Lock()
	cmd, exited := e.cmd, e.exited
	e.mu.Unlock()
	if cmd == nil {
		return nil
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(time.Minute):
		_ = cmd.Process.Kill()
		<-exited
		return errors.New("the Temporal server did not stop within a minute of SIGTERM; killed")
	}
	e.mu.Lock()
	e.cmd = nil
	e.mu.Unlock()
	return nil
}

// Close stops the server.
func (e *External) Close() { _ = e.Stop() }

// freeLowPort is a free loopback port below 32768: the SQL stores keep a
// service's membership port in a smallint column (cluster_membership.rpc_port),
// and the kernel's own choice (FreePort) lies above it.
func freeLowPort() (int, error) {
	for range 200 {
		p := 20000 + mathrand.IntN(12000)
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err == nil {
			l.Close()
			return p, nil
		}
	}
	return 0, errors.New("devserver: no free port below 32768 on 127.0.0.1")
}

func splitPostgres(raw string) (host, port, user, password string, err error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return "", "", "", "", fmt.Errorf("devserver: Postgres URL is not postgres://…")
	}
	host, port = u.Hostname(), u.Port()
	if port == "" {
		port = "5432"
	}
	user = u.User.Username()
	if user == "" {
		user = "postgres"
	}
	password, _ = u.User.Password()
	return host, port, user, password, nil
}
