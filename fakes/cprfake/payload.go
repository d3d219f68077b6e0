package cprfake

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"sort"
)

// Payload cuts the first element {space}local out of a SOAP document, as
// its bytes stand, for validation against the published schemas (which
// describe the body's elements, not the envelope). The namespace prefixes
// it uses that an ancestor declared are declared again on it, so the result
// is a document of its own.
func Payload(doc []byte, space, local string) ([]byte, error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	// scopes holds the prefix declarations of the open ancestors.
	var scopes []map[string]string
	for {
		off := d.InputOffset()
		tok, err := d.Token()
		if err == io.EOF {
			return nil, fmt.Errorf("no element {%s}%s", space, local)
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Space == space && t.Name.Local == local {
				if err := d.Skip(); err != nil {
					return nil, err
				}
				return redeclare(doc[off:d.InputOffset()], scopes, t), nil
			}
			decl := map[string]string{}
			for _, a := range t.Attr {
				switch {
				case a.Name.Space == "xmlns":
					decl[a.Name.Local] = a.Value
				case a.Name.Space == "" && a.Name.Local == "xmlns":
					decl[""] = a.Value
				}
			}
			scopes = append(scopes, decl)
		case xml.EndElement:
			scopes = scopes[:len(scopes)-1]
		}
	}
}

// redeclare adds to el's start tag the declarations in scope that it does
// not make itself.
func redeclare(el []byte, scopes []map[string]string, start xml.StartElement) []byte {
	inScope := map[string]string{}
	for _, s := range scopes {
		for p, uri := range s {
			inScope[p] = uri
		}
	}
	for _, a := range start.Attr {
		switch {
		case a.Name.Space == "xmlns":
			delete(inScope, a.Name.Local)
		case a.Name.Space == "" && a.Name.Local == "xmlns":
			delete(inScope, "")
		}
	}
	if len(inScope) == 0 {
		return append([]byte(nil), el...)
	}
	prefixes := make([]string, 0, len(inScope))
	for p := range inScope {
		prefixes = append(prefixes, p)
	}
	sort.Strings(prefixes)
	var add bytes.Buffer
	for _, p := range prefixes {
		if p == "" {
			fmt.Fprintf(&add, ` xmlns="%s"`, escapeAttr(inScope[p]))
		} else {
			fmt.Fprintf(&add, ` xmlns:%s="%s"`, p, escapeAttr(inScope[p]))
		}
	}
	// The element's name ends at the first blank, '/' or '>'.
	end := bytes.IndexAny(el, " \t\r\n/>")
	out := append([]byte(nil), el[:end]...)
	out = append(out, add.Bytes()...)
	return append(out, el[end:]...)
}

func escapeAttr(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
