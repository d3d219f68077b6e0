package worker_test

import (
	"go.temporal.io/sdk/temporal"

	"github.com/valghalla/valghalla/workflows"
)

func temporalSearchAttributes() temporal.SearchAttributes {
	return temporal.NewSearchAttributes(
		workflows.ElectionAttr.ValueSet("1"),
		workflows.StateAttr.ValueSet("invited"),
	)
}
