package workflows

import (
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/valghalla/valghalla/workflows/payload"
)

// SearchAttributes lists the custom search attributes (payload.Attributes)
// with their types, for registering them on a namespace.
func SearchAttributes() map[string]enumspb.IndexedValueType {
	attrs := map[string]enumspb.IndexedValueType{}
	for _, k := range payload.Attributes {
		attrs[k.GetName()] = k.GetValueType()
	}
	return attrs
}
