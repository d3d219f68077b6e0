// Package devserver embeds a Temporal server (SQLite persistence in a file) and
// the Temporal Web UI for `valghalla dev`.
//
// It lives in its own package because linking go.temporal.io/server is slow:
// only the dev command and this package's tests pay for it.
package devserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	uiserveroptions "github.com/temporalio/ui-server/v2/server/server_options"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/server/common/authorization"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/membership/static"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
)

const (
	defaultIP           = "127.0.0.1"
	clusterName         = "active"
	storeName           = "sqlite-default"
	visibilityStoreName = "visibility"

	// readyTimeout bounds how long Start waits for the frontend (and UI) to answer.
	readyTimeout = 60 * time.Second
)

// Options configure the embedded server.
type Options struct {
	// DatabaseFile is the path of the Temporal SQLite file. It is created with
	// the schema if missing; its parent directory must exist. Required
	// unless Postgres is set.
	DatabaseFile string
	// Postgres, when set, persists on PostgreSQL instead of SQLite, as a
	// production cluster does: the benchmark of the production path uses it.
	Postgres *PostgresStore
	// IP is the bind address, default "127.0.0.1".
	IP string
	// FrontendPort is the gRPC frontend port, e.g. 7233 (required).
	FrontendPort int
	// UIPort is the Web UI port; 0 means no UI.
	UIPort int
	// Namespaces are created at first start (required, at least one).
	// Creating them is idempotent: existing namespaces are left alone.
	Namespaces []string
	// SearchAttributes are registered on the namespaces when they are first
	// created on SQLite. Later additions, and all on PostgreSQL, go through
	// the operator service (worker.EnsureNamespace).
	SearchAttributes map[string]enums.IndexedValueType
	// Logger receives the Temporal server's logs at Warn and above
	// (default: text on stderr).
	Logger *slog.Logger
}

// Server is a running embedded Temporal server and (optionally) Web UI.
type Server struct {
	server       temporal.Server
	ui           *uiserver.Server
	uiDone       chan struct{}
	frontendAddr string
	uiURL        string
	logLevel     *slog.LevelVar // of the Temporal logs
	stopOnce     sync.Once
}

// PortInUseError is returned when a port needed by the server is taken.
type PortInUseError struct {
	Addr string // host:port
	What string // e.g. "Temporal frontend", "Temporal UI"
}

func (e *PortInUseError) Error() string {
	return fmt.Sprintf("%s: %s is already in use", e.What, e.Addr)
}

// FreePort returns a free TCP port on ip.
func FreePort(ip string) (int, error) {
	if ip == "" {
		ip = defaultIP
	}
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		return 0, fmt.Errorf("finding a free port on %s: %w", ip, err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// FrontendAddress is the host:port of the gRPC frontend, for SDK clients.
func (s *Server) FrontendAddress() string { return s.frontendAddr }

// UIURL is the Web UI's base URL, or "" when the UI is not running.
func (s *Server) UIURL() string { return s.uiURL }

// Stop stops the UI and the server. It is safe to call more than once.
func (s *Server) Stop() {
	if s == nil {
		return
	}
	s.stopOnce.Do(func() {
		if s.logLevel != nil {
			s.logLevel.Set(slog.LevelError)
		}
		s.stopUI()
		if s.server != nil {
			_ = s.server.Stop()
		}
	})
}

func (s *Server) stopUI() {
	if s.ui == nil {
		return
	}
	s.ui.Stop()
	select {
	case <-s.uiDone:
	case <-time.After(10 * time.Second):
	}
}

// Start starts the server (and the UI when UIPort != 0) and returns once the
// frontend answers.
func Start(ctx context.Context, o Options) (*Server, error) {
	if err := o.normalize(); err != nil {
		return nil, err
	}
	dialIP := dialableIP(o.IP)
	s := &Server{frontendAddr: net.JoinHostPort(dialIP, strconv.Itoa(o.FrontendPort))}

	// Check the public ports before doing anything: the UI server calls
	// os.Exit when it cannot bind, and the Temporal server fails late and loudly.
	if err := checkPortFree(o.IP, o.FrontendPort, "Temporal frontend"); err != nil {
		return nil, err
	}
	if o.UIPort != 0 {
		if err := checkPortFree(o.IP, o.UIPort, "Temporal UI"); err != nil {
			return nil, err
		}
	}

	var stores map[string]config.DataStore
	var err error
	if o.Postgres != nil {
		stores, err = o.Postgres.setup()
	} else {
		stores, err = setupSQLite(o)
	}
	if err != nil {
		return nil, err
	}

	s.logLevel = new(slog.LevelVar)
	s.logLevel.Set(slog.LevelWarn)
	o.Logger = slog.New(minLevelHandler{min: s.logLevel, h: o.Logger.Handler()})
	logger := newTemporalLogger(o.Logger)
	// The internal ports are picked free and bound a moment later; another
	// process (a parallel test, say) may take one in between. That is worth
	// a few fresh tries rather than a failed start.
	for attempt := 1; ; attempt++ {
		srv, err := startOnFreshPorts(ctx, o, dialIP, stores, logger)
		if err == nil {
			s.server = srv
			break
		}
		if attempt == 5 || !strings.Contains(err.Error(), "address already in use") {
			return nil, err
		}
	}

	// SQLite namespaces were written with the schema; on PostgreSQL they are
	// registered through the frontend.
	if err := waitFrontendReady(ctx, s.frontendAddr, o.Namespaces, o.Postgres != nil); err != nil {
		s.Stop()
		return nil, err
	}

	if o.UIPort != 0 {
		if err := s.startUI(ctx, o, dialIP); err != nil {
			s.Stop()
			return nil, err
		}
	}
	return s, nil
}

func startOnFreshPorts(ctx context.Context, o Options, dialIP string, stores map[string]config.DataStore, logger temporalLogger) (temporal.Server, error) {
	ports, err := internalPorts(dialIP)
	if err != nil {
		return nil, err
	}
	srv, err := newTemporalServer(o, dialIP, ports, stores, logger)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := startTemporal(srv); err != nil {
		stopQuietly(srv)
		return nil, fmt.Errorf("starting Temporal server: %w", err)
	}
	return srv, nil
}

// stopQuietly stops a server whose start failed half way; the server may
// panic on a stop it was not ready for, which changes nothing here.
func stopQuietly(srv temporal.Server) {
	defer func() { _ = recover() }()
	_ = srv.Stop()
}

func (o *Options) normalize() error {
	if o.DatabaseFile == "" && o.Postgres == nil {
		return errors.New("devserver: DatabaseFile or Postgres is required")
	}
	if o.IP == "" {
		o.IP = defaultIP
	}
	if net.ParseIP(o.IP) == nil {
		return fmt.Errorf("devserver: IP %q is not an IP address", o.IP)
	}
	if o.FrontendPort <= 0 || o.FrontendPort > 65535 {
		return fmt.Errorf("devserver: FrontendPort %d is not a valid port (required)", o.FrontendPort)
	}
	if o.UIPort < 0 || o.UIPort > 65535 {
		return fmt.Errorf("devserver: UIPort %d is not a valid port", o.UIPort)
	}
	if o.UIPort == o.FrontendPort {
		return fmt.Errorf("devserver: UIPort and FrontendPort are both %d", o.UIPort)
	}
	if len(o.Namespaces) == 0 {
		return errors.New("devserver: at least one namespace is required")
	}
	seen := map[string]bool{}
	for _, ns := range o.Namespaces {
		if ns == "" {
			return errors.New("devserver: empty namespace name")
		}
		if seen[ns] {
			return fmt.Errorf("devserver: namespace %q listed twice", ns)
		}
		seen[ns] = true
	}
	for name, typ := range o.SearchAttributes {
		if name == "" {
			return errors.New("devserver: empty search attribute name")
		}
		if typ == enums.INDEXED_VALUE_TYPE_UNSPECIFIED {
			return fmt.Errorf("devserver: search attribute %q has no type", name)
		}
		if _, ok := enums.IndexedValueType_name[int32(typ)]; !ok {
			return fmt.Errorf("devserver: search attribute %q has unknown type %d", name, typ)
		}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return nil
}

// dialableIP is the address clients on this machine use to reach a server bound on ip.
func dialableIP(ip string) string {
	parsed := net.ParseIP(ip)
	switch {
	case parsed.Equal(net.IPv4zero):
		return "127.0.0.1"
	case parsed.Equal(net.IPv6unspecified):
		return "::1"
	}
	return ip
}

// uiHost is ip as the UI server wants it: it formats "host:port" itself.
func uiHost(ip string) string {
	if strings.Contains(ip, ":") {
		return "[" + ip + "]"
	}
	return ip
}

func checkPortFree(ip string, port int, what string) error {
	addr := net.JoinHostPort(ip, strconv.Itoa(port))
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return &PortInUseError{Addr: addr, What: what}
	}
	return l.Close()
}

type servicePorts struct {
	frontendHTTP, history, matching, worker int
}

// internalPorts picks distinct free ports for the services nobody outside needs to reach.
func internalPorts(ip string) (servicePorts, error) {
	// Hold all listeners open until every port is chosen so they differ.
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	ports := make([]int, 4)
	for i := range ports {
		l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
		if err != nil {
			return servicePorts{}, fmt.Errorf("devserver: finding a free port on %s: %w", ip, err)
		}
		ls = append(ls, l)
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return servicePorts{frontendHTTP: ports[0], history: ports[1], matching: ports[2], worker: ports[3]}, nil
}

// setupSQLite creates the schema in new files and the namespaces
// (idempotently). Visibility has a file of its own, next to the database
// file: SQLite allows one writer per file, and with one file the visibility
// writes (one per workflow start, state change and close) queued behind the
// history writes. A data folder made before the split keeps its one file.
func setupSQLite(o Options) (map[string]config.DataStore, error) {
	sqlConf := sqliteStore(o.DatabaseFile)
	fresh, err := prepareSQLiteFile(sqlConf)
	if err != nil {
		return nil, err
	}
	stores := map[string]config.DataStore{storeName: {SQL: sqlConf}}
	visFile := VisibilityFile(o.DatabaseFile)
	if _, err := os.Stat(visFile); fresh || err == nil {
		visConf := sqliteStore(visFile)
		if _, err := prepareSQLiteFile(visConf); err != nil {
			return nil, err
		}
		stores[visibilityStoreName] = config.DataStore{SQL: visConf}
	}

	nsConfs := make([]*sqliteschema.NamespaceConfig, 0, len(o.Namespaces))
	for _, ns := range o.Namespaces {
		c, err := sqliteschema.NewNamespaceConfig(clusterName, ns, false, o.SearchAttributes)
		if err != nil {
			return nil, fmt.Errorf("devserver: namespace %q: %w", ns, err)
		}
		nsConfs = append(nsConfs, c)
	}
	// A no-op for namespaces that already exist (looked up by name).
	if err := sqliteschema.CreateNamespaces(sqlConf, nsConfs...); err != nil {
		return nil, fmt.Errorf("devserver: creating namespaces: %w", err)
	}
	return stores, nil
}

// VisibilityFile is the SQLite file of the visibility store that goes with
// the Temporal database file.
func VisibilityFile(databaseFile string) string {
	return strings.TrimSuffix(databaseFile, ".db") + "-visibility.db"
}

func sqliteStore(file string) *config.SQL {
	return &config.SQL{
		PluginName:   sqliteplugin.PluginName,
		DatabaseName: file,
		ConnectAttributes: map[string]string{
			"mode":         "rwc",
			"journal_mode": "wal",    // becomes _pragma=journal_mode=wal
			"synchronous":  "normal", // becomes _pragma=synchronous=normal
		},
		// One connection: more give "database is locked" under load.
		MaxConns:     1,
		MaxIdleConns: 1,
	}
}

// prepareSQLiteFile creates the Temporal schema in a missing or empty file;
// it reports whether it did.
func prepareSQLiteFile(c *config.SQL) (bool, error) {
	info, err := os.Stat(c.DatabaseName)
	switch {
	case errors.Is(err, os.ErrNotExist):
		dir := filepath.Dir(c.DatabaseName)
		if st, err := os.Stat(dir); err != nil {
			return false, fmt.Errorf("devserver: directory for Temporal database: %w", err)
		} else if !st.IsDir() {
			return false, fmt.Errorf("devserver: %s is not a directory", dir)
		}
	case err != nil:
		return false, fmt.Errorf("devserver: Temporal database: %w", err)
	case info.IsDir():
		return false, fmt.Errorf("devserver: Temporal database %s is a directory", c.DatabaseName)
	case info.Size() > 0:
		return false, nil
	}
	// Missing, or empty (touched, or a crash before the schema was written).
	if err := sqliteschema.SetupSchema(c); err != nil {
		return false, fmt.Errorf("devserver: creating Temporal schema in %s: %w", c.DatabaseName, err)
	}
	return true, nil
}

func newTemporalServer(o Options, dialIP string, ports servicePorts, stores map[string]config.DataStore, logger temporalLogger) (temporal.Server, error) {
	hostPort := func(ip string, port int) string { return net.JoinHostPort(ip, strconv.Itoa(port)) }
	frontendAddr := hostPort(dialIP, o.FrontendPort)

	conf := &config.Config{}
	conf.Global.Membership.MaxJoinDuration = 30 * time.Second
	conf.Global.Membership.BroadcastAddress = dialIP
	visibility := storeName // SQLite made before the visibility file: one store serves both
	if _, ok := stores[visibilityStoreName]; ok {
		visibility = visibilityStoreName
	}
	conf.Persistence = config.Persistence{
		DefaultStore:     storeName,
		VisibilityStore:  visibility,
		NumHistoryShards: 1,
		DataStores:       stores,
	}
	conf.ClusterMetadata = &cluster.Config{
		EnableGlobalNamespace:    false,
		FailoverVersionIncrement: 10,
		MasterClusterName:        clusterName,
		CurrentClusterName:       clusterName,
		ClusterInformation: map[string]cluster.ClusterInformation{
			clusterName: {
				Enabled:                true,
				InitialFailoverVersion: 1,
				RPCAddress:             frontendAddr,
				HTTPAddress:            hostPort(dialIP, ports.frontendHTTP),
			},
		},
	}
	conf.DCRedirectionPolicy.Policy = "noop"
	conf.Services = map[string]config.Service{
		string(primitives.FrontendService): {RPC: config.RPC{
			GRPCPort: o.FrontendPort, HTTPPort: ports.frontendHTTP, BindOnIP: o.IP,
		}},
		// Internal services only need to be reachable from this process.
		string(primitives.HistoryService):  {RPC: config.RPC{GRPCPort: ports.history, BindOnIP: dialIP}},
		string(primitives.MatchingService): {RPC: config.RPC{GRPCPort: ports.matching, BindOnIP: dialIP}},
		string(primitives.WorkerService):   {RPC: config.RPC{GRPCPort: ports.worker, BindOnIP: dialIP}},
	}
	conf.Archival.History.State = "disabled"
	conf.Archival.Visibility.State = "disabled"
	conf.NamespaceDefaults.Archival.History.State = "disabled"
	conf.NamespaceDefaults.Archival.Visibility.State = "disabled"
	// The server's own SDK client (system workflows) dials this.
	conf.PublicClient.HostPort = frontendAddr

	authorizer, err := authorization.GetAuthorizerFromConfig(&conf.Global.Authorization)
	if err != nil {
		return nil, fmt.Errorf("devserver: authorizer: %w", err)
	}
	claimMapper, err := authorization.GetClaimMapperFromConfig(&conf.Global.Authorization, logger)
	if err != nil {
		return nil, fmt.Errorf("devserver: claim mapper: %w", err)
	}

	svc := func(port int) static.Hosts {
		return static.SingleLocalHost(hostPort(dialIP, port))
	}
	srv, err := temporal.NewServer(
		temporal.WithConfig(conf),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithStaticHosts(map[primitives.ServiceName]static.Hosts{
			primitives.FrontendService: svc(o.FrontendPort),
			primitives.HistoryService:  svc(ports.history),
			primitives.MatchingService: svc(ports.matching),
			primitives.WorkerService:   svc(ports.worker),
		}),
		temporal.WithLogger(logger),
		temporal.WithAuthorizer(authorizer),
		temporal.WithClaimMapper(func(*config.Config) authorization.ClaimMapper { return claimMapper }),
		temporal.WithDynamicConfigClient(dynamicConfig()),
	)
	if err != nil {
		return nil, fmt.Errorf("devserver: building Temporal server: %w", err)
	}
	return srv, nil
}

func dynamicConfig() dynamicconfig.StaticClient {
	return dynamicconfig.StaticClient{
		// No phoning home to updates.temporal.io (there is no internet here, and
		// it is not wanted on a developer's machine either).
		dynamicconfig.EnableServerVersionCheck.Key(): false,
		// The Web UI lists and counts workflows often; the default of 10/s per
		// namespace makes it throttle itself.
		dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(): 100,
		// The default (128k mutable states) is sized for a production host.
		dynamicconfig.HistoryCacheHostLevelMaxSize.Key(): 8192,
		// The worker service starts SDK workers for these and never stops them
		// (v1.32.1 scanner.go: "Nothing is gracefully stopping these workers"):
		// after Stop they would poll forever, and poll a server restarted on
		// the same port. With the parent-close-policy worker off, history
		// applies parent close policies inline, which is what one node wants.
		// The scanners only garbage-collect task queues and history branches.
		dynamicconfig.EnableParentClosePolicyWorker.Key(): false,
		dynamicconfig.TaskQueueScannerEnabled.Key():       false,
		dynamicconfig.HistoryScannerEnabled.Key():         false,
	}
}

// startTemporal turns a panic during start-up (Temporal's Fatal logs panic here)
// into an error where it happens on this goroutine.
func startTemporal(srv temporal.Server) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return srv.Start()
}

// waitFrontendReady polls the gRPC health service and then each namespace.
// waitFrontendReady waits until the frontend serves and knows the
// namespaces; with register it registers missing ones (PostgreSQL: nothing
// was written with the schema).
func waitFrontendReady(ctx context.Context, addr string, namespaces []string, register bool) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fmt.Errorf("devserver: connecting to frontend %s: %w", addr, err)
	}
	defer conn.Close()
	health := healthpb.NewHealthClient(conn)
	wf := workflowservice.NewWorkflowServiceClient(conn)

	var lastErr error
	poll := func(check func(context.Context) error) error {
		for {
			callCtx, callCancel := context.WithTimeout(ctx, 2*time.Second)
			lastErr = check(callCtx)
			callCancel()
			if lastErr == nil {
				return nil
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("devserver: Temporal frontend %s not ready: %w (last error: %v)", addr, ctx.Err(), lastErr)
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	if err := poll(func(ctx context.Context) error {
		resp, err := health.Check(ctx, &healthpb.HealthCheckRequest{Service: workflowservice.WorkflowService_ServiceDesc.ServiceName})
		if err != nil {
			return err
		}
		if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			return fmt.Errorf("health status %v", resp.GetStatus())
		}
		return nil
	}); err != nil {
		return err
	}
	for _, ns := range namespaces {
		if err := poll(func(ctx context.Context) error {
			_, err := wf.DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: ns})
			// A plain gRPC client gets statuses; serviceerror has the types.
			var notFound *serviceerror.NamespaceNotFound
			if register && errors.As(serviceerror.FromStatus(status.Convert(err)), &notFound) {
				_, err = wf.RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{
					Namespace: ns, WorkflowExecutionRetentionPeriod: durationpb.New(24 * time.Hour)})
				var exists *serviceerror.NamespaceAlreadyExists
				if errors.As(serviceerror.FromStatus(status.Convert(err)), &exists) {
					err = nil
				}
			}
			if err == nil && register {
				// The frontend's namespace cache learns of a new namespace
				// some seconds later; until then the other calls say NotFound.
				_, err = wf.ListOpenWorkflowExecutions(ctx, &workflowservice.ListOpenWorkflowExecutionsRequest{Namespace: ns, MaximumPageSize: 1})
			}
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) startUI(ctx context.Context, o Options, dialIP string) (err error) {
	// The UI server panics on bad config; report that as an error.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("devserver: building Temporal UI: %v", r)
		}
	}()
	ui := uiserver.NewServer(uiserveroptions.WithConfigProvider(&uiconfig.Config{
		Host:                uiHost(o.IP),
		Port:                o.UIPort,
		TemporalGRPCAddress: s.frontendAddr,
		EnableUI:            true,
		DefaultNamespace:    o.Namespaces[0],
		CORS:                uiconfig.CORS{CookieInsecure: true},
		HideLogs:            true,
		DisableNewsFetch:    true,
	}))

	// Check again right before binding: the UI server calls os.Exit if it
	// cannot listen, and the Temporal server took a second to start.
	if err := checkPortFree(o.IP, o.UIPort, "Temporal UI"); err != nil {
		return err
	}
	s.ui = ui
	s.uiDone = make(chan struct{})
	go func() {
		defer close(s.uiDone)
		if err := ui.Start(); err != nil {
			o.Logger.Error("Temporal UI stopped", "error", err)
		}
	}()

	uiAddr := net.JoinHostPort(dialIP, strconv.Itoa(o.UIPort))
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	for {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", uiAddr)
		if err == nil {
			_ = c.Close()
			s.uiURL = "http://" + uiAddr
			return nil
		}
		select {
		case <-s.uiDone:
			return fmt.Errorf("devserver: Temporal UI on %s stopped at start", uiAddr)
		case <-ctx.Done():
			return fmt.Errorf("devserver: Temporal UI on %s not ready: %w", uiAddr, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}
