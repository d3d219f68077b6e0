package main

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/valghalla/valghalla/store/storetest"
)

// The app database restarts in the middle of a round of 500: every
// connection of the worker process (and of the test) is cut, new ones are
// refused for 5 s, the database's server-side sessions are terminated, and
// then it is back. The round completes and everyone is invited exactly once.
//
// The restart is what the clients see of one, made by a proxy in front of
// PostgreSQL and pg_terminate_backend on the test's own database: the
// machine's real cluster serves other test packages in parallel and is not
// restarted.
func TestDatabaseRestartDuringARound(t *testing.T) {
	if testing.Short() {
		t.Skip("a minute on a real server with a worker process")
	}
	const n = 500
	pg, err := url.Parse(storetest.PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	proxy := startTCPProxy(t, pg.Host)
	s := newFaultStack(t, n, proxy)
	direct := storetest.Open(t, s.directURL) // not through the proxy
	started := time.Now()
	s.startWorker(t)
	s.startRound(t)
	s.waitFor(t, 3*time.Minute, fmt.Sprintf("%d invitations", n/3), func() bool { return s.received() >= n/3 })

	// As a fast shutdown does: no new sessions, the open ones terminated
	// (their clients get "terminating connection due to administrator
	// command"), then the server is gone for a while.
	proxy.Down()
	var terminated []bool
	if err := direct.Raw(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&terminated).Error; err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the terminations reach the clients
	cut := proxy.Restart()
	at := s.received()
	time.Sleep(5 * time.Second)
	refused := proxy.Up()
	t.Logf("database down at %d invitations for 5 s: %d sessions terminated, %d connections cut, %d connections refused meanwhile",
		at, len(terminated), cut, refused)
	if len(terminated) == 0 || refused == 0 {
		t.Errorf("the restart did not meet the worker: %d sessions terminated, %d connections refused", len(terminated), refused)
	}

	s.waitFor(t, 4*time.Minute, "every person invited", func() bool { return s.invitedPeople() >= n })
	t.Logf("%d invitations with a database restart in %v", n, time.Since(started).Round(time.Millisecond))
	s.checkRound(t)
}
