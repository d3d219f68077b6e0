// Package signup is the use cases of sign-up links (issue 19, M22): staff,
// or a party's secretary for their own party, make a link for a party's or
// pool's list; anyone with the link signs up on a public page with their
// CPR number (typed, or from MitID) and contact data. The person is checked
// against the CPR register and the election type's rules through recruit
// (the same lookup and rules as a nomination), lands on the list, and with
// a claim link takes a vacant slot at once, their lifecycle starting
// confirmed.
//
// Refusals are recruit.Refusal values (keyed, with a kind the web turns
// into a status), so the pages and the API read them as they read
// recruit's.
package signup

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/recruit"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/vault"
	"github.com/valghalla/valghalla/workflows/payload"
)

// Service is the sign-up use cases with what they need.
type Service struct {
	DB       *gorm.DB
	Temporal client.Client
	// TaskQueue is where a claim's lifecycle is started.
	TaskQueue string
	Keys      *vault.Keyring
	// Recruit looks people up in the CPR register and checks them against
	// the election type's rules, as a nomination does.
	Recruit *recruit.Service
	Log     *slog.Logger
	Now     func() time.Time
}

func (s *Service) now() time.Time { return s.Now().UTC() }

// PathPrefix is where the public page of a link lives: PathPrefix+token.
const PathPrefix = "/tilmeld/"

// Path is the public page's path of a link.
func Path(l models.SignupLink) string { return PathPrefix + l.Token.Reveal() }

func refusal(kind recruit.Kind, ue *models.UserError) error {
	return &recruit.Refusal{Kind: kind, UserError: ue}
}

// fromStore turns the store's refusals into keyed refusals.
func fromStore(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := recruit.AsRefusal(err); ok {
		return err
	}
	switch {
	case errors.Is(err, models.ErrNotFound):
		return refusal(recruit.NotFound, models.Refuse("error.signup.notfound"))
	case errors.Is(err, models.ErrForbidden):
		return refusal(recruit.Forbidden, models.Refuse("error.recruit.forbidden"))
	case errors.Is(err, store.ErrSignupNotOpen):
		return refusal(recruit.NotFound, store.ErrSignupNotOpen)
	case errors.Is(err, store.ErrSignupFull):
		return refusal(recruit.Conflict, store.ErrSignupFull)
	case errors.Is(err, store.ErrClosed):
		return refusal(recruit.Conflict, models.Refuse("error.recruit.closed"))
	}
	if ue, ok := models.AsUserError(err); ok {
		return refusal(recruit.Invalid, ue)
	}
	return err
}

// Links lists the sign-up links of an election the actor may see, with
// their counts.
func (s *Service) Links(ctx context.Context, actor models.User, electionID int64) ([]models.SignupLinkView, error) {
	links, err := store.SignupLinks(ctx, s.DB, actor, electionID, s.now())
	return links, fromStore(err)
}

// Link is one link the actor may see; another party's is not found.
func (s *Service) Link(ctx context.Context, actor models.User, id int64) (models.SignupLinkView, error) {
	v, err := store.SignupLinkFor(ctx, s.DB, actor, id, s.now())
	return v, fromStore(err)
}

// Create makes a sign-up link: staff for any party or pool, a secretary
// for their own party (and, when limited to polling stations, for some of
// theirs).
func (s *Service) Create(ctx context.Context, actor models.User, in models.NewSignupLink) (models.SignupLinkView, error) {
	in.Name = strings.TrimSpace(in.Name)
	if actor.Role == models.RolePartySecretary && in.PartyID == 0 && actor.PartyID != nil {
		in.PartyID = *actor.PartyID
	}
	l, _, err := store.CreateSignupLink(ctx, s.DB, actor, in, s.now())
	if err != nil {
		return models.SignupLinkView{}, fromStore(err)
	}
	return s.Link(ctx, actor, l.ID)
}

// Disable closes a link for good.
func (s *Service) Disable(ctx context.Context, actor models.User, id int64) error {
	return fromStore(store.DisableSignupLink(ctx, s.DB, actor, id, s.now()))
}

// Choices is what the form of a new link offers the actor.
type Choices struct {
	Parties   []models.Party
	TaskTypes []models.TaskType
	Stations  []models.PollingStation
}

// ChoicesFor lists the parties, task types and stations the actor may make
// a link for: a secretary their own party, the task types that are not the
// council's appointments and, when limited, their stations.
func (s *Service) ChoicesFor(ctx context.Context, actor models.User) (Choices, error) {
	db := s.DB.WithContext(ctx)
	var c Choices
	parties := db.Order("kind, name")
	tasks := db.Order("name")
	stations := db.Order("district")
	if actor.Role == models.RolePartySecretary {
		if actor.PartyID == nil {
			return c, fromStore(models.ErrForbidden)
		}
		parties = parties.Where("id = ?", *actor.PartyID)
		tasks = tasks.Where("appointed_only = ?", false)
		own, err := store.StationLimitOf(ctx, s.DB, actor)
		if err != nil {
			return c, err
		}
		if own.Limited {
			stations = stations.Where("id IN ?", append([]int64{0}, own.IDs...))
		}
	}
	if err := parties.Find(&c.Parties).Error; err != nil {
		return c, err
	}
	if err := tasks.Find(&c.TaskTypes).Error; err != nil {
		return c, err
	}
	return c, stations.Find(&c.Stations).Error
}

// Consent is the consent and disclosure text the public page shows;
// empty: the product's default (locale signup.consent.default).
func (s *Service) Consent(ctx context.Context) (string, error) {
	return store.SignupConsent(ctx, s.DB)
}

// SaveConsent sets the consent and disclosure text; empty goes back to the
// default. Staff only.
func (s *Service) SaveConsent(ctx context.Context, actor models.User, text string) error {
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	return fromStore(store.SaveSignupConsent(ctx, s.DB, actor, text, s.now()))
}

// open finds the link of a token that takes sign-ups now: unknown,
// disabled and expired are one refusal (error.signup.notopen, not found),
// full another (error.signup.full, conflict).
func (s *Service) open(ctx context.Context, token string) (models.SignupLink, error) {
	l, err := store.SignupLinkByToken(ctx, s.DB, token)
	if errors.Is(err, models.ErrNotFound) {
		return l, fromStore(store.ErrSignupNotOpen)
	} else if err != nil {
		return l, err
	}
	switch l.StateAt(s.now()) {
	case models.SignupDisabled, models.SignupExpired:
		return l, fromStore(store.ErrSignupNotOpen)
	case models.SignupFull:
		return l, fromStore(store.ErrSignupFull)
	}
	return l, nil
}

// Offer is what the public page of an open link shows: the task, the
// party or pool, the municipality and the consent text. It writes nothing.
func (s *Service) Offer(ctx context.Context, token string) (models.SignupOffer, error) {
	l, err := s.open(ctx, token)
	if err != nil {
		return models.SignupOffer{}, err
	}
	var e models.Election
	if err := s.DB.WithContext(ctx).First(&e, l.ElectionID).Error; err != nil {
		return models.SignupOffer{}, err
	}
	if e.State == models.ElectionClosed {
		return models.SignupOffer{}, fromStore(store.ErrSignupNotOpen)
	}
	return store.SignupOfferOf(ctx, s.DB, l)
}

// Form is what a person gives to sign up: their CPR number (typed on the
// page, or taken from the MitID ID token by the MitID path) and contact
// data, and their consent.
type Form struct {
	CPR     string
	Mobile  string
	Email   string
	Channel models.Channel
	Consent bool
}

// Outcome is what a sign-up did, in words a page can show without
// personal data.
type Outcome struct {
	// Duplicate: the person had signed up through this link before; they
	// are one person with one sign-up.
	Duplicate bool
	// Claimed: a claim link gave them a slot, confirmed; Task says which.
	Claimed bool
	Task    models.TaskView
	// Reserve: a claim link found no vacant slot; they are on the reserve
	// list.
	Reserve bool
}

// SignUp signs a person up through the link of token. It is the one
// implementation the public page and the MitID path share: the MitID path
// calls it with the CPR number of the ID token.
//
//  1. the link must take sign-ups (not unknown, disabled, expired or full);
//  2. the form: a valid CPR number (a typing error is refused at the field
//     and costs no lookup), contact data, consent;
//  3. the CPR register is asked (logged against the number) and the person
//     checked against the election type's rules — not eligible is one
//     sentence without the reason;
//  4. the person is put on the list (the blind index makes a second
//     sign-up the same person and the same sign-up), the sign-up counted
//     against the limit, and with a claim link a vacant slot taken, whose
//     lifecycle then starts confirmed.
func (s *Service) SignUp(ctx context.Context, token string, f Form) (Outcome, error) {
	var out Outcome
	l, err := s.open(ctx, token)
	if err != nil {
		return out, err
	}
	number, err := models.ParseCPR(f.CPR)
	if err != nil {
		if ue, ok := models.AsUserError(err); ok {
			return out, refusal(recruit.Invalid, models.RefuseField("cpr", ue.Key, ue.Args...))
		}
		return out, err
	}
	if err := store.CheckContact(f.Mobile, f.Email, f.Channel, ""); err != nil {
		return out, fromStore(err)
	}
	if strings.TrimSpace(f.Mobile) == "" && strings.TrimSpace(f.Email) == "" {
		return out, refusal(recruit.Invalid, models.RefuseField("email", "error.signup.contact"))
	}
	if !f.Consent {
		return out, refusal(recruit.Invalid, models.RefuseField("consent", "error.signup.noconsent"))
	}
	db := s.DB.WithContext(ctx)
	var e models.Election
	if err := db.First(&e, l.ElectionID).Error; err != nil {
		return out, err
	}
	if e.State == models.ElectionClosed {
		return out, fromStore(store.ErrSignupNotOpen)
	}
	validation, err := s.validation(ctx, l)
	if err != nil {
		return out, err
	}
	person, err := s.Recruit.LookUpSelf(ctx, number, e, validation)
	if err != nil {
		return out, err
	}
	signedUp, removed, err := store.SignupPersonOf(ctx, s.DB, s.Keys, l.ID, l.PartyID, number)
	if err != nil {
		return out, err
	}
	if signedUp {
		return Outcome{Duplicate: true}, nil
	}
	if removed { // taken off this party's list: the same sentence as not eligible
		return out, refusal(recruit.Invalid, models.Refuse("error.signup.ineligible"))
	}
	res, err := store.SignUp(ctx, s.DB, s.Keys, l.ID, store.NewParticipant{CPR: number, Name: recruit.PersonName(person),
		Mobile: f.Mobile, Email: f.Email, PreferredChannel: f.Channel,
		DigitalPostExempt: person.DigitalPostExempt, ProtectedAddress: person.ProtectedAddress}, s.now())
	if errors.Is(err, store.ErrRemovedAtRequest) || errors.Is(err, store.ErrRemovedFromList) {
		// An open removal made since the check above: the same sentence.
		return out, refusal(recruit.Invalid, models.Refuse("error.signup.ineligible"))
	}
	if err != nil {
		return out, fromStore(err)
	}
	out = Outcome{Duplicate: res.Duplicate, Reserve: res.Reserve}
	if res.Assignment != nil {
		out.Claimed = true
		if out.Task, err = store.TaskOf(ctx, s.DB, res.Assignment.ID); err != nil {
			return out, err
		}
		// The sign-up is made; a lifecycle that could not be started is
		// logged, and the person stays nominated on the slot for staff
		// to see (a round invites them).
		if err := s.startConfirmed(ctx, *res.Assignment); err != nil {
			s.Log.ErrorContext(ctx, "the lifecycle of a claimed slot did not start", "assignment", res.Assignment.ID, "error", err)
		}
	}
	return out, nil
}

// validation tells whether the election type's rules apply: unless every
// task type the link names switches validation off ("alive" is always
// checked).
func (s *Service) validation(ctx context.Context, l models.SignupLink) (bool, error) {
	if len(l.TaskTypeIDs) == 0 {
		return true, nil
	}
	var tts []models.TaskType
	if err := s.DB.WithContext(ctx).Where("id IN ?", l.TaskTypeIDs).Find(&tts).Error; err != nil {
		return false, err
	}
	return len(tts) == 0 || slices.ContainsFunc(tts, func(tt models.TaskType) bool { return tt.Validation }), nil
}

// StartOptions start the lifecycle of a slot a person took themselves: its
// id derived from slot and person (payload.LifecycleID, stored on the
// assignment), as every other start, so a second start finds the first.
func StartOptions(ref payload.LifecycleRef, taskQueue string) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                       ref.WorkflowID,
		TaskQueue:                taskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes:    payload.LifecycleAttributes(ref),
		Memo:                     payload.LifecycleMemo(ref),
	}
}

func (s *Service) startConfirmed(ctx context.Context, a models.Assignment) error {
	if s.Temporal == nil {
		return errors.New("no Temporal client")
	}
	_, err := s.Temporal.ExecuteWorkflow(ctx, StartOptions(payload.RefOf(a), s.TaskQueue), payload.LifecycleWorkflow,
		payload.LifecycleInput{AssignmentID: a.ID, Confirmed: true})
	return err
}
