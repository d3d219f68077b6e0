package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	namespacepb "go.temporal.io/api/namespace/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/durationpb"
)

// DefaultRetention keeps closed workflows for an election season: invitations
// go out months before the day, and an operator must still be able to read
// a closed lifecycle's history after the count. Workflow-id de-duplication
// also only holds while the closed run is retained.
const DefaultRetention = 180 * 24 * time.Hour

// EnsureNamespace makes namespace exist with the given retention and the
// given custom search attributes. It is idempotent: run it on every start.
func EnsureNamespace(ctx context.Context, c client.Client, namespace string, retention time.Duration,
	attrs map[string]enumspb.IndexedValueType) error {
	svc := c.WorkflowService()
	desc, err := svc.DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: namespace})
	var notFound *serviceerror.NamespaceNotFound
	switch {
	case errors.As(err, &notFound):
		_, err = svc.RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{
			Namespace:                        namespace,
			Description:                      "Valghalla: bemanding af valg",
			WorkflowExecutionRetentionPeriod: durationpb.New(retention),
		})
		if err != nil && !isAlreadyExists(err) {
			return fmt.Errorf("register namespace %s: %w", namespace, err)
		}
	case err != nil:
		return fmt.Errorf("describe namespace %s: %w", namespace, err)
	case desc.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration() != retention:
		_, err = svc.UpdateNamespace(ctx, &workflowservice.UpdateNamespaceRequest{
			Namespace: namespace,
			Config: &namespacepb.NamespaceConfig{
				WorkflowExecutionRetentionTtl: durationpb.New(retention),
			},
		})
		if err != nil {
			return fmt.Errorf("set retention of namespace %s: %w", namespace, err)
		}
	}
	return ensureSearchAttributes(ctx, c, namespace, attrs)
}

func ensureSearchAttributes(ctx context.Context, c client.Client, namespace string, attrs map[string]enumspb.IndexedValueType) error {
	op := c.OperatorService()
	// A namespace just registered may take a moment to reach every service.
	var existing *operatorservice.ListSearchAttributesResponse
	var err error
	for attempt := 0; ; attempt++ {
		existing, err = op.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
		if err == nil || attempt == 20 || !isNamespaceNotFound(err) {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	if err != nil {
		return fmt.Errorf("list search attributes of %s: %w", namespace, err)
	}
	missing := map[string]enumspb.IndexedValueType{}
	for name, typ := range attrs {
		have, ok := existing.GetCustomAttributes()[name]
		switch {
		case !ok:
			missing[name] = typ
		case have != typ:
			return fmt.Errorf("search attribute %s is %v in namespace %s, want %v", name, have, namespace, typ)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	_, err = op.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: namespace, SearchAttributes: missing,
	})
	if err != nil && !isAlreadyExists(err) {
		return fmt.Errorf("add search attributes to %s: %w", namespace, err)
	}
	return waitUntilQueryable(ctx, c, namespace, missing)
}

// waitUntilQueryable waits until the frontend knows the new attributes: it
// refreshes its namespace cache every few seconds, and until then a workflow
// started with them is refused. A visibility query that names them passes
// the same check.
func waitUntilQueryable(ctx context.Context, c client.Client, namespace string, attrs map[string]enumspb.IndexedValueType) error {
	for name := range attrs {
		query := fmt.Sprintf("%s IS NULL", name)
		for attempt := 0; ; attempt++ {
			_, err := c.WorkflowService().CountWorkflowExecutions(ctx, &workflowservice.CountWorkflowExecutionsRequest{
				Namespace: namespace, Query: query,
			})
			if err == nil {
				break
			}
			if attempt == 60 {
				return fmt.Errorf("search attribute %s is not usable in %s: %w", name, namespace, err)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(250 * time.Millisecond):
			}
		}
	}
	return nil
}

func isAlreadyExists(err error) bool {
	var nae *serviceerror.NamespaceAlreadyExists
	var ae *serviceerror.AlreadyExists
	return errors.As(err, &nae) || errors.As(err, &ae)
}

func isNamespaceNotFound(err error) bool {
	var nf *serviceerror.NamespaceNotFound
	return errors.As(err, &nf)
}
