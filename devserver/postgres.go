package devserver

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/persistence/sql/sqlplugin/postgresql"
	"go.temporal.io/server/tools/common/schema"
	sqltool "go.temporal.io/server/tools/sql"
)

// PostgresStore is a PostgreSQL server for Temporal's persistence and
// visibility, one database each (their schemas share table names).
type PostgresStore struct {
	// URL of the server, postgres://user[:password]@host:port/?sslmode=…;
	// its path is ignored.
	URL string
	// Database and VisibilityDatabase are created, with their schemas, when
	// missing; existing schemas are brought up to date.
	Database, VisibilityDatabase string
}

// setup creates both databases and their schemas with Temporal's own
// temporal-sql-tool (embedded schemas), and returns the stores: the
// persistence under storeName, visibility under visibilityStoreName.
func (p *PostgresStore) setup() (map[string]config.DataStore, error) {
	if p.Database == "" || p.VisibilityDatabase == "" || p.Database == p.VisibilityDatabase {
		return nil, errors.New("devserver: Postgres needs two different databases")
	}
	u, err := url.Parse(p.URL)
	if err != nil || u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return nil, fmt.Errorf("devserver: Postgres URL %q is not postgres://…", p.URL)
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "5432"
	}
	user := u.User.Username()
	password, _ := u.User.Password()
	stores := map[string]config.DataStore{}
	for name, db := range map[string]string{storeName: p.Database, visibilityStoreName: p.VisibilityDatabase} {
		conf := &config.SQL{
			PluginName:      postgresql.PluginNamePGX,
			DatabaseName:    db,
			ConnectAddr:     net.JoinHostPort(host, port),
			ConnectProtocol: "tcp",
			User:            user,
			Password:        password,
			MaxConns:        20,
			MaxIdleConns:    20,
		}
		schemaName := "postgresql/v12/temporal"
		if name == visibilityStoreName {
			schemaName = "postgresql/v12/visibility"
		}
		if err := setupPostgres(*conf, schemaName); err != nil {
			return nil, fmt.Errorf("devserver: database %s: %w", db, err)
		}
		stores[name] = config.DataStore{SQL: conf}
	}
	return stores, nil
}

// setupPostgres does what temporal-sql-tool's create-database, setup-schema
// -v 0.0 and update-schema do, skipping the steps done before.
func setupPostgres(conf config.SQL, schemaName string) error {
	logger := log.NewNoopLogger()
	create := conf
	if err := sqltool.DoCreateDatabase(&create, "postgres", logger); err != nil && !strings.Contains(err.Error(), "already exists") {
		return err
	}
	conn, err := sqltool.NewConnection(&conf, logger)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ReadSchemaVersion(); err != nil {
		if err := schema.NewSetupSchemaTask(conn, &schema.SetupConfig{InitialVersion: "0.0"}, logger).Run(); err != nil {
			return err
		}
	}
	return schema.NewUpdateSchemaTask(conn, &schema.UpdateConfig{DBName: conf.DatabaseName, SchemaName: schemaName}, logger).Run()
}
