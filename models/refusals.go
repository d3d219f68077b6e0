package models

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The refusals every layer shares: the store returns them, the use cases
// pass them on, and the web edge maps each to a status and a sentence.

// ErrNotFound: no such row, or none this user may see (the two look alike,
// so a party secretary learns nothing about another party's people).
var ErrNotFound = errors.New("not found")

// ErrForbidden: the actor may not do this (checked here as well as in the
// web layer, so no other caller can forget it).
var ErrForbidden = errors.New("not allowed for this user")

// ErrStale: the row changed since the form was opened (optimistic locking).
var ErrStale = errors.New("changed by someone else since it was opened")

// FieldErrors maps a form field to what is wrong with it, as a key of the
// catalogs, so a page can show each message next to its field.
type FieldErrors map[string]*UserError

func (f FieldErrors) Error() string {
	parts := make([]string, 0, len(f))
	for k, v := range f {
		parts = append(parts, k+": "+v.Key)
	}
	slices.Sort(parts)
	return strings.Join(parts, "; ")
}

// NeedsConfirmation is returned, and nothing written, when a plan change
// would remove empty slots and the request did not confirm it: the page asks
// first and sends the same change again with confirmation.
type NeedsConfirmation struct {
	Removes int // empty slots the change removes
}

func (n *NeedsConfirmation) Error() string {
	return fmt.Sprintf("the change removes %d empty slots: confirm it", n.Removes)
}

// PlanRefused lists why a plan change cannot be made, one refusal per
// station and party: people hold the slots it would remove.
type PlanRefused struct{ Problems []*UserError }

func (p *PlanRefused) Error() string {
	keys := make([]string, len(p.Problems))
	for i, u := range p.Problems {
		keys[i] = u.Error()
	}
	return strings.Join(keys, " ")
}

// CleanText reports whether s is valid UTF-8 without control characters
// other than tab and line breaks: what a text field may store.
func CleanText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' {
			return false
		}
	}
	return true
}
