package models

import (
	"strconv"
	"strings"
)

// The messaging area's values that cross the layers: what is wrong with a
// template's text, where a scope's text comes from, and a group message's
// filter, preview and progress. They live here, not in store, so the web
// can name them without importing store.

// TemplateError says what is wrong with a template's text. Subject and Body
// join the merge field errors of each part (FieldErrors lists them, each
// with its line and column); Problems are the other faults, as keys of the
// catalogs for the template's author. MergeFieldErrors(err) finds every
// field error in a *TemplateError too.
type TemplateError struct {
	Subject  error
	Body     error
	Problems []*UserError
}

func (e *TemplateError) Error() string {
	var parts []string
	if e.Subject != nil {
		parts = append(parts, "subject: "+e.Subject.Error())
	}
	if e.Body != nil {
		parts = append(parts, "body: "+e.Body.Error())
	}
	for _, p := range e.Problems {
		parts = append(parts, p.Error())
	}
	return strings.Join(parts, "\n")
}

// Unwrap returns the subject's and the body's errors.
func (e *TemplateError) Unwrap() []error {
	var out []error
	for _, err := range []error{e.Subject, e.Body} {
		if err != nil {
			out = append(out, err)
		}
	}
	return out
}

// TemplateSource says where the text sent in a scope comes from.
type TemplateSource int

const (
	SourceDefault   TemplateSource = iota // the shipped default
	SourceInherited                       // a template stored for a wider scope
	SourceHere                            // a template stored for exactly this scope
)

// GroupFilter chooses a group message's recipients among the people holding
// assignments in an election; an empty list means all. States include the
// ended ones (declined, expired, cancelled, removed), so the staff can
// write to those who said no as well.
type GroupFilter struct {
	StationIDs, TaskTypeIDs, PartyIDs []int64
	States                            []AssignmentState
}

// GroupStates are the assignment states a group message may be filtered by,
// in the order the form shows them.
var GroupStates = []AssignmentState{StateNominated, StateInvited, StateConfirmed,
	StateCompleted, StateNoShow, StateDeclined, StateExpired, StateCancelled, StateRemoved}

// On returns gm with the filter's columns set (comma-separated, as
// GroupMessage stores them).
func (f GroupFilter) On(gm GroupMessage) GroupMessage {
	states := make([]string, len(f.States))
	for i, s := range f.States {
		states[i] = string(s)
	}
	gm.StationIDs, gm.TaskTypeIDs, gm.PartyIDs = groupIDList(f.StationIDs), groupIDList(f.TaskTypeIDs), groupIDList(f.PartyIDs)
	gm.States = strings.Join(states, ",")
	return gm
}

func groupIDList(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ",")
}

// GroupPreview is who a group message would reach: how many, and the first
// names in Danish alphabetical order.
type GroupPreview struct {
	Count int
	Names []string
}

// GroupSends counts a group message's copies by how their send went.
type GroupSends struct{ Sent, Failed, Pending int }

// MessageLog is a message with its history, for the message log pages.
type MessageLog struct {
	Message
	Events []MessageEvent
}
