// Package selfservice is Min side, the volunteers' own site (issue 19): a
// volunteer logs in by a one-time link sent to an address the municipality
// holds for them (or by MitID, through SignInByCPR), sees every task with
// its state, answers or cancels through the lifecycle as the answer link
// does (recruit.AnswerOnMinSide), edits their contact data, downloads
// their data and asks to be deleted. A volunteer session is not a staff
// session: it names one person, and every id a volunteer sends is checked
// against that person.
package selfservice

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"
	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/recruit"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/vault"
	"github.com/valghalla/valghalla/workflows"
)

// MaxLinksPerHour is how many login links one person gets an hour, however
// often their address is typed.
const MaxLinksPerHour = 3

// Service is Min side's use cases.
type Service struct {
	DB        *gorm.DB
	Temporal  client.Client
	TaskQueue string
	Keys      *vault.Keyring
	Log       *slog.Logger
	Now       func() time.Time
	// Recruit answers and ends lifecycles.
	Recruit *recruit.Service
}

func (s *Service) now() time.Time { return s.Now().UTC() }

// Volunteer is who a volunteer session is: one person, by id and name.
type Volunteer struct {
	ParticipantID int64
	Name          string
}

// ErrNoSession: the token names no live volunteer session.
var ErrNoSession = store.ErrNoVolunteerSession

func notFound(key string) error {
	return &recruit.Refusal{Kind: recruit.NotFound, UserError: models.Refuse(key)}
}

// RequestLink makes a one-time login link for every person address is
// held for and starts their sends in the background. It tells nothing: an
// unknown address, a malformed one, a person who has had their links this
// hour and a failure all return alike, so the page answers the same for
// all of them. What happened is logged, never with the address.
func (s *Service) RequestLink(ctx context.Context, address string) {
	ids, err := store.CreateVolunteerLoginLinks(ctx, s.DB, s.Keys, address, MaxLinksPerHour, s.now())
	if err != nil {
		s.Log.ErrorContext(ctx, "min side link not made", "error", err)
		return
	}
	if len(ids) == 0 {
		s.Log.InfoContext(ctx, "min side link asked for an address with no link to send")
		return
	}
	for _, id := range ids {
		s.startSend(ctx, id)
	}
}

// startSend starts the send of link linkID without waiting for Temporal,
// so that the answer takes as long whether or not a link goes.
func (s *Service) startSend(ctx context.Context, linkID int64) {
	workflows.StartDetached(ctx, s.Temporal, s.Log, "min side link not sent", "link_id", linkID,
		func(ctx context.Context, c client.Client) error {
			_, err := workflows.StartMinSideLink(ctx, c, s.TaskQueue, linkID)
			return err
		})
}

// linkRefusal is the keyed refusal of a link that does not work: unknown,
// used and expired alike, whose-ever it was.
func linkRefusal(err error) error {
	if errors.Is(err, store.ErrLinkUnknown) || errors.Is(err, store.ErrLinkUsed) || errors.Is(err, store.ErrLinkExpired) {
		return &recruit.Refusal{Kind: recruit.NotFound, UserError: models.Refuse("error.minside.link.gone")}
	}
	return err
}

// CheckLink tells whether token is a live login link; it writes nothing.
func (s *Service) CheckLink(ctx context.Context, token string) error {
	return linkRefusal(store.CheckVolunteerLoginLink(ctx, s.DB, token, s.now()))
}

// SignInByLink spends a login link (once, within its 15 minutes) and
// starts a volunteer session; it returns the session's token for the
// cookie.
func (s *Service) SignInByLink(ctx context.Context, token string) (string, error) {
	session, err := store.UseVolunteerLoginLink(ctx, s.DB, token, s.now())
	return session, linkRefusal(err)
}

// SignInByCPR starts a volunteer session for the person with this CPR
// number, found through the blind index — the seam for MitID: the OIDC
// client calls it with the CPR number MitID vouched for. Nobody found (or a
// number that is none) is a neutral refusal (error.minside.nobody). The
// CPR number goes nowhere: not into the session, the log nor the audit.
func (s *Service) SignInByCPR(ctx context.Context, cpr string) (string, error) {
	c, err := models.ParseCPR(cpr)
	if err != nil || s.Keys == nil {
		return "", notFound("error.minside.nobody")
	}
	id, err := store.ParticipantIDByCPR(ctx, s.DB, s.Keys, c)
	if errors.Is(err, models.ErrNotFound) {
		return "", notFound("error.minside.nobody")
	} else if err != nil {
		return "", err
	}
	return store.CreateVolunteerSession(ctx, s.DB, id, "MitID", s.now())
}

// Session is the volunteer of a live session token; ErrNoSession for none.
func (s *Service) Session(ctx context.Context, token string) (Volunteer, error) {
	vs, err := store.VolunteerSessionOf(ctx, s.DB, token, s.now())
	if err != nil {
		return Volunteer{}, err
	}
	p, err := store.OwnParticipant(ctx, s.DB, vs.ParticipantID)
	if errors.Is(err, models.ErrNotFound) {
		return Volunteer{}, ErrNoSession // erased since
	} else if err != nil {
		return Volunteer{}, err
	}
	return Volunteer{ParticipantID: p.ID, Name: p.Name}, nil
}

// SignOut ends the volunteer session of token.
func (s *Service) SignOut(ctx context.Context, token string) {
	if err := store.DeleteVolunteerSession(ctx, s.DB, token); err != nil {
		s.Log.ErrorContext(ctx, "volunteer session not ended", "error", err)
	}
}

// Task is one of the person's tasks and what they may do with it now.
type Task struct {
	View models.TaskView
	// Open: an invitation they may answer; MayWithdraw: a yes they may
	// still cancel; Locked: a yes within the lock period.
	Open, MayWithdraw, Locked bool
}

// TaskOf is a task with what its person may do at now, as the answer page
// judges it.
func TaskOf(v models.TaskView, now time.Time) Task {
	st := v.Assignment.State
	return Task{View: v,
		Open:        st == models.StateInvited && (v.Assignment.AnswerDeadline == nil || now.Before(*v.Assignment.AnswerDeadline)),
		MayWithdraw: st == models.StateConfirmed && now.Before(v.LockFrom),
		Locked:      st == models.StateConfirmed && !now.Before(v.LockFrom),
	}
}

// Tasks are every task of the volunteer, the newest first.
func (s *Service) Tasks(ctx context.Context, v Volunteer) ([]Task, error) {
	vs, err := store.OwnTasks(ctx, s.DB, v.ParticipantID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]Task, 0, len(vs))
	for _, t := range vs {
		out = append(out, TaskOf(t, now))
	}
	return out, nil
}

// Answer answers one of the volunteer's invitations or withdraws a yes,
// through the lifecycle with the answer link's refusals. Another person's
// assignment is NotFound.
func (s *Service) Answer(ctx context.Context, v Volunteer, assignmentID int64, choice recruit.Choice) (models.TaskView, error) {
	return s.Recruit.AnswerOnMinSide(ctx, v.ParticipantID, assignmentID, choice)
}

// Contact is the volunteer's own contact data, for the form.
func (s *Service) Contact(ctx context.Context, v Volunteer) (models.Participant, error) {
	return store.OwnParticipant(ctx, s.DB, v.ParticipantID)
}

// ContactEdit is what the contact form sends.
type ContactEdit struct {
	Mobile, Email string
	Channel       models.Channel
	Version       int64
}

// EditContact changes the volunteer's mobile number, e-mail and preferred
// channel everywhere they are held for them, audited; it returns the
// changed fields (none: nothing was written). A value that cannot be used
// is a keyed refusal and changes nothing; an edit made meanwhile is
// Conflict.
func (s *Service) EditContact(ctx context.Context, v Volunteer, in ContactEdit) ([]string, error) {
	changed, err := store.EditOwnContact(ctx, s.DB, s.Keys, v.ParticipantID, store.ContactEdit{Mobile: &in.Mobile, Email: &in.Email,
		PreferredChannel: &in.Channel, Version: in.Version}, s.now())
	if errors.Is(err, models.ErrStale) {
		return nil, &recruit.Refusal{Kind: recruit.Conflict, UserError: models.Refuse("error.recruit.stale")}
	}
	if ue, ok := models.AsUserError(err); ok {
		return nil, &recruit.Refusal{Kind: recruit.Invalid, UserError: ue}
	}
	return changed, err
}

// Export is everything held about the volunteer: the subject-access export
// staff hand over (store.SubjectAccessOf), audited as the person's own.
func (s *Service) Export(ctx context.Context, v Volunteer) (store.SubjectAccess, error) {
	return store.OwnSubjectAccess(ctx, s.DB, s.Keys, v.ParticipantID, s.now())
}

// RequestDeletion records the volunteer's request to be deleted; staff
// see it on their page. Asking again changes nothing.
func (s *Service) RequestDeletion(ctx context.Context, v Volunteer) error {
	return store.RequestDeletion(ctx, s.DB, v.ParticipantID, s.now())
}

// DeletionRequested tells whether the volunteer has asked to be deleted.
func (s *Service) DeletionRequested(ctx context.Context, v Volunteer) (bool, error) {
	return store.DeletionRequested(ctx, s.DB, v.ParticipantID)
}

// DeletionRequests are the open requests to be deleted. Staff only.
func (s *Service) DeletionRequests(ctx context.Context, actor models.User) ([]models.DeletionRequestView, error) {
	return store.DeletionRequests(ctx, s.DB, actor) // models.ErrForbidden for others
}

// Erase erases the person of a deletion request, with their lifecycles
// ended (each running one gets the staff's cancel Update): refused
// (Conflict, error.minside.erase.needed) while a current election still
// needs them — a confirmed task in an election not yet held. Staff who may
// write only.
func (s *Service) Erase(ctx context.Context, actor models.User, requestID int64) error {
	if actor.Role != models.RoleAdmin && actor.Role != models.RoleStaff {
		return &recruit.Refusal{Kind: recruit.Forbidden, UserError: models.Refuse("error.recruit.forbidden")}
	}
	r, err := store.DeletionRequestOf(ctx, s.DB, requestID)
	if errors.Is(err, models.ErrNotFound) {
		return notFound("error.recruit.notfound")
	} else if err != nil {
		return err
	}
	needed, err := store.NeededBy(ctx, s.DB, r.ParticipantID, s.now())
	if err != nil {
		return err
	}
	if needed > 0 {
		return &recruit.Refusal{Kind: recruit.Conflict, UserError: models.Refuse("error.minside.erase.needed", needed)}
	}
	running, err := store.RunningLifecycles(ctx, s.DB, r.ParticipantID)
	if err != nil {
		return err
	}
	for _, a := range running {
		if _, err := s.Recruit.ActOnAssignment(ctx, actor, a.ID, recruit.Cancel); err != nil && recruit.AnswerRefusal(err) == "" {
			return err // a lifecycle that cannot be reached: nothing erased
		}
	}
	err = store.EraseOnRequest(ctx, s.DB, actor, requestID, s.now())
	if ue, ok := models.AsUserError(err); ok {
		return &recruit.Refusal{Kind: recruit.Conflict, UserError: ue}
	}
	return err
}
