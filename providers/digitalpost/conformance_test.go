package digitalpost_test

import (
	"strings"
	"testing"

	"github.com/valghalla/valghalla/fakes/xsdcheck"
	"github.com/valghalla/valghalla/providers/digitalpost"
)

// schemaOf is the published schema of a MeMo version, relative to
// ../shared/xsd. The 1.2 core imports the 1.1 type files by ../ paths,
// which resolve as published: no wrapper schema is needed.
func schemaOf(version string) string {
	if version == digitalpost.MeMo12 {
		return "memo/Version1.2/MeMo_core.xsd"
	}
	return "memo/MeMo_core.xsd"
}

// Every letter the builder writes is valid against the published schema of
// its version: without and with attachments, and at every length bound.
// (activities' conformance test does the same for every message kind.)
func TestMeMoConformsToThePublishedSchemas(t *testing.T) {
	atBounds := withAttachment()
	atBounds.Label = long(256)
	atBounds.SenderLabel = long(256)
	atBounds.MessageUUID = strings.ToUpper(letterUUID)
	atBounds.Attachments = append(atBounds.Attachments, digitalpost.Attachment{
		Filename: long(252) + ".bin", MIME: mime256, Content: []byte{0, 1, 2, 0xff},
	})
	letters := map[string]digitalpost.Letter{
		"without attachments":   invitation(),
		"with an attachment":    withAttachment(),
		"at every length bound": atBounds,
		"not mandatory, not formal": func() digitalpost.Letter {
			l := withAttachment()
			l.Mandatory, l.LegalNotification = false, false
			return l
		}(),
	}
	for _, version := range digitalpost.MeMoVersions {
		for name, l := range letters {
			t.Run(version+"/"+name, func(t *testing.T) {
				doc, err := digitalpost.BuildMeMoVersion(l, version)
				if err != nil {
					t.Fatal(err)
				}
				xsdcheck.Valid(t, schemaOf(version), doc)
			})
		}
	}
}

// The schemas say no where the builder and ParseMeMo say no: every broken
// document of brokenDocs is refused by xmllint too, so the Go facets are
// the schema's, and the conformance test above cannot pass vacuously. A
// letter of one version is refused by the other's schema.
func TestSchemasRefuseBrokenMeMo(t *testing.T) {
	for _, version := range digitalpost.MeMoVersions {
		schema := xsdcheck.Schema(t, schemaOf(version))
		good := validDoc(t, version)
		if err := xsdcheck.Validate(schema, []byte(good)); err != nil {
			t.Fatalf("%s: the valid document: %v", version, err)
		}
		for _, d := range brokenDocs(version) {
			t.Run(version+"/"+d.facet, func(t *testing.T) {
				if err := xsdcheck.Validate(schema, d.apply(t, good)); err == nil {
					t.Fatal("xmllint accepted it")
				}
			})
		}
	}
	t.Run("1.1 letter against the 1.2 schema", func(t *testing.T) {
		if xsdcheck.Validate(xsdcheck.Schema(t, schemaOf(digitalpost.MeMo12)), []byte(validDoc(t, digitalpost.MeMo11))) == nil {
			t.Fatal("xmllint accepted memoSchVersion in 1.2")
		}
	})
	t.Run("1.2 letter against the 1.1 schema", func(t *testing.T) {
		if xsdcheck.Validate(xsdcheck.Schema(t, schemaOf(digitalpost.MeMo11)), []byte(validDoc(t, digitalpost.MeMo12))) == nil {
			t.Fatal("xmllint accepted a 1.1 letter without memoSchVersion")
		}
	})
}

// What TestParseMeMoTakesWhatTheSchemaAllows takes, the 1.2 schema takes.
func TestSchemaTakesWhatParseMeMoTakes(t *testing.T) {
	schema := xsdcheck.Schema(t, schemaOf(digitalpost.MeMo12))
	for name, doc := range allowedDocs(t) {
		t.Run(name, func(t *testing.T) {
			if err := xsdcheck.Validate(schema, []byte(doc)); err != nil {
				t.Fatal(err)
			}
		})
	}
}
