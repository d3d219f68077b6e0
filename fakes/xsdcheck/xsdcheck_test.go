package xsdcheck_test

import (
	"testing"

	"github.com/valghalla/valghalla/fakes/xsdcheck"
)

// The validator can say no: a document of the wrong shape is refused, so
// a conformance test built on it cannot pass vacuously.
func TestValidateRefusesWhatTheSchemaDoesNotAllow(t *testing.T) {
	path := xsdcheck.Schema(t, "memo/MeMo_core.xsd")
	if err := xsdcheck.Validate(path, []byte(`<Message xmlns="https://DigitalPost.dk/MeMo-1"><Nonsense/></Message>`)); err == nil {
		t.Fatal("a document the schema does not allow passed")
	}
}
