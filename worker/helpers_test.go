package worker_test

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/server/temporaltest"

	"github.com/valghalla/valghalla/worker"
	"github.com/valghalla/valghalla/workflows"
	"github.com/valghalla/valghalla/workflows/payload"
)

// namespaceClient starts a real Temporal server for the test and returns a
// client of its namespace ns, made as production makes it (search
// attributes, retention).
func namespaceClient(t *testing.T, ns string) client.Client {
	t.Helper()
	return namespaceClientWith(t, ns, client.Options{})
}

// namespaceClientWith is namespaceClient with the client's options (its
// MetricsHandler); the namespace is ns.
func namespaceClientWith(t *testing.T, ns string, opts client.Options) client.Client {
	t.Helper()
	ts := temporaltest.NewServer(temporaltest.WithT(t))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := worker.EnsureNamespace(ctx, ts.GetDefaultClient(), ns, worker.DefaultRetention, workflows.SearchAttributes()); err != nil {
		t.Fatal(err)
	}
	opts.Namespace = ns
	c, err := client.NewClientFromExisting(ts.GetDefaultClient(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func temporalSearchAttributes() temporal.SearchAttributes {
	return temporal.NewSearchAttributes(
		payload.ElectionAttr.ValueSet("1"),
		payload.StateAttr.ValueSet("invited"),
	)
}
