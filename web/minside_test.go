package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/usecases"
	"github.com/valghalla/valghalla/vault"
	"github.com/valghalla/valghalla/web"
	"github.com/valghalla/valghalla/web/site"
	"github.com/valghalla/valghalla/workflows"
)

// minSideLifecycles stands in for Temporal: it records the sends of login
// links started, and plays the lifecycles' Updates on the projection with
// the validator's refusals (deadline passed, lock period, already
// answered), as the lifecycle workflow refuses them.
type minSideLifecycles struct {
	temporalHealth
	db    *gorm.DB
	clock func() time.Time
	mu    sync.Mutex
	links []int64
	sent  []string // "<workflow id> <update> <by>"
}

func (l *minSideLifecycles) ExecuteWorkflow(_ context.Context, o client.StartWorkflowOptions, _ any, args ...any) (client.WorkflowRun, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if id, ok := args[0].(int64); ok && strings.HasPrefix(o.ID, "minside-link-") {
		l.links = append(l.links, id)
	}
	return nil, nil
}

func (l *minSideLifecycles) UpdateWorkflow(ctx context.Context, o client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var a models.Assignment
	if err := l.db.Where("workflow_id = ?", o.WorkflowID).First(&a).Error; err != nil {
		return nil, err
	}
	v, err := store.TaskOf(ctx, l.db, a.ID)
	if err != nil {
		return nil, err
	}
	now := l.clock()
	refuse := func(kind string) (client.WorkflowUpdateHandle, error) {
		return nil, temporal.NewApplicationError("refused", kind)
	}
	switch arg := o.Args[0].(type) {
	case workflows.Answer:
		l.sent = append(l.sent, o.WorkflowID+" "+o.UpdateName+" "+arg.By)
		switch {
		case a.State == models.StateConfirmed:
			return refuse(workflows.RefusedAlreadyConfirmed)
		case a.State == models.StateDeclined:
			return refuse(workflows.RefusedAlreadyDeclined)
		case a.State != models.StateInvited:
			return refuse(workflows.RefusedEnded)
		case a.AnswerDeadline != nil && !now.Before(*a.AnswerDeadline):
			return refuse(workflows.RefusedDeadlinePassed)
		}
		to := models.StateDeclined
		if arg.Accept {
			to = models.StateConfirmed
		}
		return updated{}, store.RecordTransition(ctx, l.db, a.ID, to, arg.Reason, arg.By, now)
	case string: // a withdrawal: who withdrew
		l.sent = append(l.sent, o.WorkflowID+" "+o.UpdateName+" "+arg)
		if a.State != models.StateConfirmed {
			return refuse(workflows.RefusedEnded)
		}
		if !now.Before(v.LockFrom) {
			return refuse(workflows.RefusedLockPeriod)
		}
		return updated{}, store.RecordTransition(ctx, l.db, a.ID, models.StateCancelled, "", arg, now)
	case workflows.Cancellation:
		l.sent = append(l.sent, o.WorkflowID+" "+o.UpdateName+" "+arg.By)
		return updated{}, store.RecordTransition(ctx, l.db, a.ID, models.StateCancelled, "", arg.By, now)
	case workflows.CheckIn: // as the lifecycle's checkin update, without its day rule
		l.sent = append(l.sent, o.WorkflowID+" "+o.UpdateName+" "+arg.By)
		if a.State != models.StateConfirmed {
			return refuse(workflows.RefusedEnded)
		}
		if arg.Present {
			return updated{}, store.RecordAttendance(ctx, l.db, a.ID, models.AttendancePresent, arg.By, now)
		}
		if err := store.RecordAttendance(ctx, l.db, a.ID, models.AttendanceAbsent, arg.By, now); err != nil {
			return nil, err
		}
		return updated{}, store.RecordTransition(ctx, l.db, a.ID, models.StateNoShow, "", arg.By, now)
	}
	return refuse(workflows.RefusedBadAnswer)
}

func (l *minSideLifecycles) startedLinks(t *testing.T, n int) []int64 {
	t.Helper()
	for range 300 { // the starts run in the background
		l.mu.Lock()
		got := append([]int64(nil), l.links...)
		l.mu.Unlock()
		if len(got) >= n {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%d link sends awaited", n)
	return nil
}

func (l *minSideLifecycles) updates() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.sent...)
}

// minSideFixture: the web fixture with two people, Ida and Bo, each with
// tasks in the demo election, and a clock the test moves.
type minSideFixture struct {
	*fixture
	keys     *vault.Keyring
	uses     usecases.UseCases
	temporal *minSideLifecycles
	at       time.Time
	ida, bo  models.Participant
	election models.Election
	// Ida's: an open invitation, a confirmed task within the lock period,
	// an invitation whose deadline has passed, a confirmed task in the
	// future; Bo's: an open invitation.
	open, locked, late, later, bos models.Assignment
}

const idaEmail, idaMobile = "ida@example.dk", "+4520112233"

func newMinSideFixture(t *testing.T, db *gorm.DB) *minSideFixture {
	t.Helper()
	f := &minSideFixture{fixture: newFixture(t, db, true), at: now}
	f.keys = storetest.WithKeys(t, db)
	clock := func() time.Time { return f.at }
	f.temporal = &minSideLifecycles{db: db, clock: clock}
	uses := usecases.New(usecases.Config{DB: db, Temporal: f.temporal, Keys: f.keys, Now: clock, Log: quietLog()})
	f.uses = uses
	f.app = web.New(site.Deps{UseCases: uses, Now: clock, SecureCookies: true, Log: quietLog()})
	f.clock = clock
	db.First(&f.election)
	// The election in three weeks, locked 7 days before.
	day := models.DateOf(now).AddDays(21)
	if err := db.Model(&f.election).Updates(map[string]any{"election_day": day, "lock_days": 7, "state": models.ElectionActive}).Error; err != nil {
		t.Fatal(err)
	}
	db.First(&f.election, f.election.ID)
	var station models.PollingStation
	db.Order("district").First(&station)
	var tf models.TaskType
	db.Where("short_name = ?", "TF").First(&tf)
	var partyA models.Party
	db.Where("letter = ?", "A").First(&partyA)
	person := func(name, cpr, email, mobile string) models.Participant {
		c, _ := models.ParseCPR(cpr)
		p := models.Participant{CPR: models.NewSecret(cpr), CPRIndex: store.CPRIndex(f.keys, c), Name: name,
			Email: models.NewSecret(email), Mobile: models.NewSecret(mobile), CreatedAt: now, UpdatedAt: now}
		ei := store.EmailIndex(f.keys, email)
		p.EmailIndex = &ei
		if mobile != "" {
			mi := store.MobileIndex(f.keys, mobile)
			p.MobileIndex = &mi
		}
		if err := db.Create(&p).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Create(&models.PartyMembership{ParticipantID: p.ID, PartyID: partyA.ID, CreatedAt: now}).Error; err != nil {
			t.Fatal(err)
		}
		return p
	}
	f.ida = person("Ida Østergård", "0101701234", idaEmail, idaMobile)
	f.bo = person("Bo Bækgaard", "0202702345", "bo@example.dk", "")
	task := func(p models.Participant, day models.Date, state models.AssignmentState, deadline *time.Time) models.Assignment {
		s := models.Slot{ElectionID: f.election.ID, StationID: station.ID, TaskTypeID: tf.ID, Day: day, PartyID: partyA.ID, CreatedAt: now}
		if err := db.Create(&s).Error; err != nil {
			t.Fatal(err)
		}
		a := storetest.Nominate(t, db, s, p.ID)
		if err := db.Model(&a).Updates(map[string]any{"state": state, "invited_at": now.Add(-48 * time.Hour), "answer_deadline": deadline}).Error; err != nil {
			t.Fatal(err)
		}
		db.First(&a, a.ID)
		return a
	}
	inAWeek, past := now.Add(7*24*time.Hour), now.Add(-time.Hour)
	f.open = task(f.ida, day, models.StateInvited, &inAWeek)
	f.locked = task(f.ida, models.DateOf(now).AddDays(3), models.StateConfirmed, nil)
	f.late = task(f.ida, day.AddDays(-1), models.StateInvited, &past)
	f.later = task(f.ida, day.AddDays(-2), models.StateConfirmed, nil)
	f.bos = task(f.bo, day, models.StateInvited, &inAWeek)
	return f
}

// volunteer is a browser signed in on Min side as p (the session made as
// SignInByCPR makes it).
func (f *minSideFixture) volunteer(t *testing.T, p models.Participant) *browser {
	t.Helper()
	token, err := store.CreateVolunteerSession(context.Background(), f.db, p.ID, "test", f.at)
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, f.app)
	b.cookies[site.MinSideCookie] = &http.Cookie{Name: site.MinSideCookie, Value: token}
	return b
}

// withoutCSRF is a page's body without its form tokens.
func withoutCSRF(body string) string {
	for {
		i := strings.Index(body, `name="csrf_token" value="`)
		if i < 0 {
			return body
		}
		j := strings.Index(body[i+25:], `"`)
		body = body[:i] + body[i+25+j+1:]
	}
}

// The one-time link: asked for by e-mail address or mobile number, the
// same page and no send for an unknown address; its GET writes nothing;
// its POST logs in once, within 15 minutes (fake clock), with a cookie of
// its own.
func TestMinSideLoginLink(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newMinSideFixture(t, db)
		ctx := context.Background()
		ask := func(address string) (int, string) {
			b := newBrowser(t, f.app)
			rec := b.do(http.MethodPost, "/minside/log-ind", url.Values{"adresse": {address}, "csrf_token": {b.csrf()}})
			return rec.Code, withoutCSRF(rec.Body.String())
		}
		known, knownBody := ask(" IDA@example.dk ")
		ids := f.temporal.startedLinks(t, 1)
		var links int64
		db.Model(&models.VolunteerLoginLink{}).Count(&links)
		unknown, unknownBody := ask("nogen@example.dk")
		byMobile, _ := ask("20 11 22 33")
		var after int64
		db.Model(&models.VolunteerLoginLink{}).Where("participant_id <> ?", f.ida.ID).Count(&after)
		if known != http.StatusOK || unknown != known || knownBody != unknownBody || byMobile != known {
			t.Fatalf("known %d, unknown %d, by mobile %d; same body: %v", known, unknown, byMobile, knownBody == unknownBody)
		}
		if !strings.Contains(knownBody, "udløber efter 15 minutter") || links != 1 || after != 0 {
			t.Fatalf("links %d, links of others %d; page %s", links, after, knownBody)
		}
		ids = f.temporal.startedLinks(t, 2) // the mobile number's
		// The activity makes the token; the link's page shows a button and spends nothing.
		token, ch, to, err := store.IssueVolunteerLoginToken(ctx, db, ids[0], f.at)
		if err != nil || ch != models.ChannelEmail || to != idaEmail {
			t.Fatalf("issue: %v %s %s", err, ch, to)
		}
		b := newBrowser(t, f.app)
		for range 2 {
			if rec := b.do(http.MethodGet, "/minside/log-ind/"+token, nil); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Log ind") {
				t.Fatalf("link page: %d", rec.Code)
			}
		}
		if rec := b.do(http.MethodGet, "/minside", nil); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/minside/log-ind" {
			t.Fatalf("Min side before login: %d %s", rec.Code, rec.Header().Get("Location"))
		}
		f.at = now.Add(14 * time.Minute)
		rec := b.do(http.MethodPost, "/minside/log-ind/"+token, url.Values{"csrf_token": {b.csrfFrom("/minside/log-ind/" + token)}})
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/minside" {
			t.Fatalf("login by link: %d %s", rec.Code, rec.Body)
		}
		c := b.cookies[site.MinSideCookie]
		if c == nil || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || b.cookies[site.SessionCookie] != nil {
			t.Fatalf("Min side cookie %+v", c)
		}
		var stored models.VolunteerSession
		db.Where("participant_id = ?", f.ida.ID).First(&stored)
		if stored.TokenHash == c.Value {
			t.Fatal("the session token is stored in the clear")
		}
		if page := b.do(http.MethodGet, "/minside", nil).Body.String(); !strings.Contains(page, "Ida Østergård") {
			t.Fatalf("Min side: %s", page)
		}
		// Once only.
		again := newBrowser(t, f.app)
		if rec := again.do(http.MethodPost, "/minside/log-ind/"+token, url.Values{"csrf_token": {again.csrf()}}); rec.Code != http.StatusNotFound ||
			!strings.Contains(rec.Body.String(), "kun bruges én gang") || again.cookies[site.MinSideCookie] != nil {
			t.Fatalf("a used link: %d", rec.Code)
		}
		// Expired after 15 minutes.
		token2, _, to2, err := store.IssueVolunteerLoginToken(ctx, db, ids[1], f.at)
		if err != nil || to2 != idaMobile {
			t.Fatalf("issue by mobile: %v %s", err, to2)
		}
		f.at = now.Add(15 * time.Minute)
		late := newBrowser(t, f.app)
		if rec := late.do(http.MethodGet, "/minside/log-ind/"+token2, nil); rec.Code != http.StatusNotFound {
			t.Fatalf("an expired link's page: %d", rec.Code)
		}
		if rec := late.do(http.MethodPost, "/minside/log-ind/"+token2, url.Values{"csrf_token": {late.csrf()}}); rec.Code != http.StatusNotFound || late.cookies[site.MinSideCookie] != nil {
			t.Fatalf("an expired link: %d", rec.Code)
		}
		// Log out ends the session on the server.
		old := *c
		if rec := b.do(http.MethodPost, "/minside/log-ud", url.Values{"csrf_token": {b.csrf()}}); rec.Code != http.StatusSeeOther {
			t.Fatalf("log out: %d", rec.Code)
		}
		replay := newBrowser(t, f.app)
		replay.cookies[site.MinSideCookie] = &old
		if rec := replay.do(http.MethodGet, "/minside", nil); rec.Code != http.StatusSeeOther {
			t.Fatalf("replayed cookie after log out: %d", rec.Code)
		}
	})
}

// A person has at most MaxLinksPerHour links an hour, however often their
// address is typed; an empty address is told so, and nothing is made.
func TestMinSideLinkLimitAndBadInput(t *testing.T) {
	f := newMinSideFixture(t, storetest.SQLite(t))
	b := newBrowser(t, f.app)
	for range 5 {
		if rec := b.do(http.MethodPost, "/minside/log-ind", url.Values{"adresse": {idaEmail}, "csrf_token": {b.csrf()}}); rec.Code != http.StatusOK {
			t.Fatalf("ask: %d", rec.Code)
		}
	}
	var n int64
	f.db.Model(&models.VolunteerLoginLink{}).Count(&n)
	if n != 3 {
		t.Fatalf("%d links made for one person in an hour, want 3", n)
	}
	f.temporal.startedLinks(t, 3)
	rec := b.do(http.MethodPost, "/minside/log-ind", url.Values{"adresse": {"  "}, "csrf_token": {b.csrf()}})
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "Skriv din e-mailadresse eller dit mobilnummer") {
		t.Fatalf("empty address: %d", rec.Code)
	}
}

// Answers on Min side go through the lifecycle's Update as the link's do,
// by "minside", with the same refusals (same sentences) as the link; an
// assignment of another person is 404 and nothing is sent.
func TestMinSideAnswersThroughTheLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newMinSideFixture(t, db)
		b := f.volunteer(t, f.ida)
		page := b.do(http.MethodGet, "/minside", nil).Body.String()
		for _, want := range []string{"Folketingsvalg", "Tilforordnet", "Inviteret, afventer svar", "Bekræftet", "kr.", "/minside/opgaver/" + itoa(f.open.ID)} {
			if !strings.Contains(page, want) {
				t.Errorf("the tasks page lacks %q", want)
			}
		}
		if strings.Contains(page, "Bo Bækgaard") || strings.Contains(page, "/minside/opgaver/"+itoa(f.bos.ID)) {
			t.Error("the tasks page shows Bo's task")
		}
		answer := func(id int64, svar string) *httptest.ResponseRecorder {
			return b.do(http.MethodPost, "/minside/opgaver/"+itoa(id), url.Values{"svar": {svar}, "csrf_token": {b.csrf()}})
		}
		if rec := answer(f.open.ID, "ja"); rec.Code != http.StatusSeeOther {
			t.Fatalf("yes: %d %s", rec.Code, rec.Body)
		}
		db.First(&f.open, f.open.ID)
		if f.open.State != models.StateConfirmed || f.open.AnsweredBy != "minside" {
			t.Fatalf("after yes: %s by %q", f.open.State, f.open.AnsweredBy)
		}
		// The link's refusals, in the link's words.
		tokens := map[int64]string{f.open.ID: strings.Repeat("a", 64), f.late.ID: strings.Repeat("b", 64), f.locked.ID: strings.Repeat("c", 64)}
		for id, tok := range tokens {
			if err := store.SaveAnswerToken(context.Background(), db, id, tok, "1"+itoa(id), now); err != nil {
				t.Fatal(err)
			}
		}
		citizen := newBrowser(t, f.app)
		for _, c := range []struct {
			id       int64
			svar     string
			sentence string
		}{
			{f.open.ID, "ja", "Du har allerede sagt ja til opgaven"},
			{f.late.ID, "ja", "Fristen for at svare er overskredet"},
			{f.locked.ID, "afbud", "Der er kort tid til valget, så du kan ikke melde afbud her"},
		} {
			mine := answer(c.id, c.svar)
			link := citizen.do(http.MethodPost, "/svar/"+tokens[c.id], url.Values{"svar": {c.svar}, "csrf_token": {citizen.csrf()}})
			if mine.Code != http.StatusConflict || link.Code != mine.Code || !strings.Contains(mine.Body.String(), c.sentence) || !strings.Contains(link.Body.String(), c.sentence) {
				t.Errorf("%s on %d: Min side %d, link %d; want both 409 with %q", c.svar, c.id, mine.Code, link.Code, c.sentence)
			}
		}
		// Cancel a confirmed task before the lock period.
		if rec := answer(f.later.ID, "afbud"); rec.Code != http.StatusSeeOther {
			t.Fatalf("withdraw: %d %s", rec.Code, rec.Body)
		}
		db.First(&f.later, f.later.ID)
		if f.later.State != models.StateCancelled {
			t.Fatalf("after withdrawal: %s", f.later.State)
		}
		// Staff's cancel is not the volunteer's to send.
		if rec := answer(f.open.ID, "annuller"); rec.Code != http.StatusBadRequest {
			t.Errorf("annuller: %d", rec.Code)
		}
		// Bo's invitation by changing the id: 404, as an unknown one, and no Update.
		before := len(f.temporal.updates())
		for _, id := range []string{itoa(f.bos.ID), "999999", "x"} {
			if rec := b.do(http.MethodPost, "/minside/opgaver/"+id, url.Values{"svar": {"ja"}, "csrf_token": {b.csrf()}}); rec.Code != http.StatusNotFound {
				t.Errorf("answer on %s: %d, want 404", id, rec.Code)
			}
		}
		db.First(&f.bos, f.bos.ID)
		if got := f.temporal.updates(); len(got) != before || f.bos.State != models.StateInvited {
			t.Fatalf("another person's task was answered: %v, %s", got[before:], f.bos.State)
		}
		for _, u := range f.temporal.updates()[:1] {
			if !strings.HasSuffix(u, " minside") {
				t.Errorf("update %q not by minside", u)
			}
		}
	})
}

// The contact form: the person's own data changes, and every party's copy
// of it; the edit is audited with no actor and the values kept; bad input
// is refused with a clear message and changes nothing.
func TestMinSideContactEditIsAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newMinSideFixture(t, db)
		var partyA models.Party
		db.Where("letter = ?", "A").First(&partyA)
		// Party A typed a number of its own for Ida.
		mi := store.MobileIndex(f.keys, "+4599887766")
		if err := db.Model(&models.PartyMembership{}).Where("participant_id = ? AND party_id = ?", f.ida.ID, partyA.ID).
			Updates(&models.PartyMembership{Mobile: models.NewSecret("+4599887766"), MobileIndex: &mi}).Error; err != nil {
			t.Fatal(err)
		}
		b := f.volunteer(t, f.ida)
		form := b.do(http.MethodGet, "/minside/kontakt", nil).Body.String()
		if !strings.Contains(form, idaEmail) || !strings.Contains(form, idaMobile[1:]) {
			t.Fatalf("contact form: %s", form)
		}
		post := func(mobile, email string) *httptest.ResponseRecorder {
			return b.do(http.MethodPost, "/minside/kontakt", url.Values{"mobil": {mobile}, "email": {email}, "kanal": {"sms"},
				"version": {"0"}, "csrf_token": {b.csrf()}})
		}
		rec := post("12 34 56 78", "ikke en adresse")
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "ikke en adresse") {
			t.Fatalf("bad e-mail: %d %s", rec.Code, rec.Body)
		}
		var p models.Participant
		db.First(&p, f.ida.ID)
		if p.Mobile.Reveal() != idaMobile || p.Version != 0 {
			t.Fatal("a refused edit changed the person")
		}
		if rec := post("12 34 56 78", idaEmail); rec.Code != http.StatusSeeOther {
			t.Fatalf("edit: %d %s", rec.Code, rec.Body)
		}
		db.First(&p, f.ida.ID)
		var m models.PartyMembership
		db.Where("participant_id = ? AND party_id = ?", f.ida.ID, partyA.ID).First(&m)
		if p.Mobile.Reveal() != "+4512345678" || p.PreferredChannel != models.ChannelSMS || m.Mobile.Reveal() != "+4512345678" ||
			*m.MobileIndex != store.MobileIndex(f.keys, "+4512345678") {
			t.Fatalf("after edit: own %s %s, party's %s", p.Mobile.Reveal(), p.PreferredChannel, m.Mobile.Reveal())
		}
		var entries []models.AuditEntry
		db.Where("participant_id = ? AND action = ?", f.ida.ID, models.AuditParticipantChanged).Order("id").Find(&entries)
		if len(entries) != 2 || entries[0].ActorID != nil || !strings.Contains(entries[0].Detail, "mobile") ||
			!strings.Contains(entries[0].Detail, "Min side") || strings.Contains(entries[0].Detail, "12345678") {
			t.Fatalf("audit: %+v", entries)
		}
		var changes []models.ParticipantChange
		db.Where("participant_id = ?", f.ida.ID).Find(&changes)
		if len(changes) < 3 {
			t.Fatalf("participant_changes: %d rows", len(changes))
		}
		// A second edit from the old form is stale.
		if rec := post("87 65 43 21", idaEmail); rec.Code != http.StatusConflict {
			t.Fatalf("stale edit: %d", rec.Code)
		}
	})
}

// The export is the subject-access export of the person alone; asking to
// be deleted reaches the staff's page; staff erase the person only when no
// election still needs them, their lifecycles ended.
func TestMinSideExportAndDeletionRequest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newMinSideFixture(t, db)
		b := f.volunteer(t, f.ida)
		rec := b.do(http.MethodPost, "/minside/mine-data", url.Values{"csrf_token": {b.csrf()}})
		var export store.SubjectAccess
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &export) != nil {
			t.Fatalf("export: %d %s", rec.Code, rec.Body)
		}
		if export.Person.ID != f.ida.ID || len(export.Assignments) != 4 || strings.Contains(rec.Body.String(), "Bo Bækgaard") ||
			export.Person.CPR != "010170-XXXX" || strings.Contains(rec.Body.String(), "0101701234") {
			t.Fatalf("export of %d with %d assignments", export.Person.ID, len(export.Assignments))
		}
		var audited int64
		db.Model(&models.AuditEntry{}).Where("participant_id = ? AND action = ? AND actor_id IS NULL", f.ida.ID, models.AuditExport).Count(&audited)
		if audited != 1 {
			t.Fatalf("export audited %d times", audited)
		}

		if rec := b.do(http.MethodPost, "/minside/slet", url.Values{"csrf_token": {b.csrf()}}); rec.Code != http.StatusSeeOther {
			t.Fatalf("ask to be deleted: %d", rec.Code)
		}
		if page := b.do(http.MethodGet, "/minside?besked=minside.delete.registered", nil).Body.String(); !strings.Contains(page, "Din anmodning om sletning er registreret") {
			t.Fatalf("Min side after the request: %s", page)
		}
		b.do(http.MethodPost, "/minside/slet", url.Values{"csrf_token": {b.csrf()}})
		var requests []models.DeletionRequest
		db.Find(&requests)
		if len(requests) != 1 {
			t.Fatalf("%d requests", len(requests))
		}
		reader := f.loggedIn(t, models.RoleReadOnly)
		if rec := reader.do(http.MethodGet, "/admin/sletteanmodninger", nil); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Ida Østergård") {
			t.Fatalf("staff's page lacks the request: %d %s", rec.Code, rec.Body)
		}
		if rec := reader.do(http.MethodPost, "/admin/sletteanmodninger/"+itoa(requests[0].ID), url.Values{"csrf_token": {reader.csrf()}}); rec.Code != http.StatusForbidden {
			t.Fatalf("read-only erases: %d", rec.Code)
		}
		staff := f.loggedIn(t, models.RoleStaff)
		erase := func() *httptest.ResponseRecorder {
			return staff.do(http.MethodPost, "/admin/sletteanmodninger/"+itoa(requests[0].ID), url.Values{"csrf_token": {staff.csrf()}})
		}
		// Confirmed for the coming election: refused, and told why.
		if rec := erase(); rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "kan ikke slettes endnu") {
			t.Fatalf("erase while needed: %d %s", rec.Code, rec.Body)
		}
		if len(f.temporal.updates()) != 0 {
			t.Fatal("a refused erasure ended lifecycles")
		}
		// Ida withdraws from what she may; the locked task is taken off by staff.
		b.do(http.MethodPost, "/minside/opgaver/"+itoa(f.later.ID), url.Values{"svar": {"afbud"}, "csrf_token": {b.csrf()}})
		if err := store.RecordTransition(context.Background(), db, f.locked.ID, models.StateCancelled, "", "staff:1", now); err != nil {
			t.Fatal(err)
		}
		if rec := erase(); rec.Code != http.StatusSeeOther {
			t.Fatalf("erase: %d %s", rec.Code, rec.Body)
		}
		var people, left int64
		db.Model(&models.Participant{}).Where("id = ?", f.ida.ID).Count(&people)
		db.Model(&models.DeletionRequest{}).Count(&left)
		if people != 0 || left != 0 {
			t.Fatalf("after erasure: person %d, requests %d", people, left)
		}
		// The open invitations were ended by the staff's cancel Update.
		cancels := 0
		for _, u := range f.temporal.updates() {
			if strings.Contains(u, workflows.CancelUpdate+" staff:") {
				cancels++
			}
		}
		if cancels != 2 {
			t.Fatalf("cancel updates: %v", f.temporal.updates())
		}
		// Her session opens nothing any more.
		if rec := b.do(http.MethodGet, "/minside", nil); rec.Code != http.StatusSeeOther {
			t.Fatalf("the erased person's session: %d", rec.Code)
		}
		// Bo is untouched.
		var bo int64
		db.Model(&models.Participant{}).Where("id = ?", f.bo.ID).Count(&bo)
		if bo != 1 {
			t.Fatal("Bo was erased")
		}
	})
}

// The volunteer session is its own caller: it reaches the public routes
// and the volunteer's, and no staff route; staff reach no volunteer route
// (TestAuthorizationMatrix walks those).
func TestAuthorizationMatrixOfVolunteer(t *testing.T) {
	f := newMinSideFixture(t, storetest.SQLite(t))
	for _, r := range web.Routes() {
		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			b := f.volunteer(t, f.ida)
			var form url.Values
			var header []string
			if r.Method != http.MethodGet {
				tok := b.csrf()
				form = url.Values{"csrf_token": {tok}}
				header = []string{"X-CSRF-Token", tok}
			}
			rec := b.do(r.Method, r.Path, form, header...)
			loc := rec.Header().Get("Location")
			refused := rec.Code == http.StatusForbidden || rec.Code == http.StatusUnauthorized ||
				(rec.Code == http.StatusSeeOther && (strings.HasPrefix(loc, "/login?") || (r.Method == http.MethodGet && loc == "/minside/log-ind")))
			want := r.Access == string(site.Public) || r.Access == string(site.Volunteer) || r.Access == string(site.ProviderSigned)
			if r.Access == string(site.ProviderSigned) {
				return // refused by signature, for everyone alike
			}
			if refused == want {
				t.Errorf("status %d (Location %q); allowed = %v", rec.Code, loc, want)
			}
		})
	}
}

// The seam for MitID: a CPR number MitID vouched for starts the session of
// the person with it (found through the blind index); nobody found is a
// neutral refusal; the CPR number is in neither the session nor the audit.
func TestMinSideSignInByCPR(t *testing.T) {
	f := newMinSideFixture(t, storetest.SQLite(t))
	ctx := context.Background()
	token, err := f.uses.SelfService.SignInByCPR(ctx, "010170-1234")
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, f.app)
	b.cookies[site.MinSideCookie] = &http.Cookie{Name: site.MinSideCookie, Value: token}
	if rec := b.do(http.MethodGet, "/minside", nil); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Ida Østergård") {
		t.Fatalf("Min side after MitID: %d", rec.Code)
	}
	for _, cpr := range []string{"0303703456", "ikke et nummer", ""} {
		_, err := f.uses.SelfService.SignInByCPR(ctx, cpr)
		if status, refused := site.RefusalStatus(err); !refused || status != http.StatusNotFound || !strings.Contains(err.Error(), "error.minside.nobody") {
			t.Errorf("%q: %v, want the neutral refusal", cpr, err)
		}
	}
	var leaked int64
	f.db.Model(&models.AuditEntry{}).Where("detail LIKE ?", "%0101701234%").Count(&leaked)
	var sessions []models.VolunteerSession
	f.db.Find(&sessions)
	if leaked != 0 || len(sessions) != 1 || sessions[0].ParticipantID != f.ida.ID {
		t.Fatalf("audit with the CPR: %d; sessions %+v", leaked, sessions)
	}
}
