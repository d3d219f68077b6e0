package store_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

const invitation, email = models.KindAccountInvitation, "email"

func customInvitation(body string) models.MessageTemplate {
	return models.MessageTemplate{Kind: invitation, Channel: email, Subject: "Velkommen, [user:name]", Body: body}
}

const customBody = "Hej [user:name]\n\nLog ind her: [user:one-time-login-url]\n"

func TestTemplateModelMatchesTheTable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		m := &models.MessageTemplate{}
		stmt := &gorm.Statement{DB: db}
		if err := stmt.Parse(m); err != nil {
			t.Fatal(err)
		}
		if stmt.Schema.Table != "message_templates" {
			t.Fatalf("table %q", stmt.Schema.Table)
		}
		for _, f := range stmt.Schema.Fields {
			if f.DBName != "" && !db.Migrator().HasColumn(m, f.DBName) {
				t.Errorf("column message_templates.%s is missing", f.DBName)
			}
		}
	})
}

func TestEffectiveTemplateIsTheDefaultUntilAnAdministratorSavesOne(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		p := seedPeople(t, db)
		subject, body, custom, err := store.EffectiveTemplate(ctx, db, invitation, email, nil, nil)
		if err != nil || custom || subject != models.AccountInvitationSubjectDefault || body != models.AccountInvitationDefault {
			t.Fatalf("before any save: %q, custom %v, %v", subject, custom, err)
		}
		t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
		tpl := customInvitation(customBody)
		tpl.UpdatedAt = t0
		if err := store.SaveTemplate(ctx, db, p.admin, tpl); err != nil {
			t.Fatal(err)
		}
		subject, body, custom, err = store.EffectiveTemplate(ctx, db, invitation, email, nil, nil)
		if err != nil || !custom || subject != tpl.Subject || body != customBody {
			t.Fatalf("after save: %q %q, custom %v, %v", subject, body, custom, err)
		}
		// Saving again replaces it: one row per scope.
		tpl.Body = "Ny tekst til [user:name]: [user:one-time-login-url]"
		if err := store.SaveTemplate(ctx, db, p.admin, tpl); err != nil {
			t.Fatal(err)
		}
		var rows []models.MessageTemplate
		db.Find(&rows)
		if len(rows) != 1 || rows[0].Body != tpl.Body || rows[0].UpdatedBy == nil || *rows[0].UpdatedBy != p.admin.ID ||
			!rows[0].UpdatedAt.Equal(t0) || rows[0].ElectionID != nil {
			t.Fatalf("stored: %+v", rows)
		}
		// Every change is in the audit log, without the text.
		var log []models.AuditEntry
		db.Where("action = ?", models.AuditTemplateChanged).Find(&log)
		if len(log) != 2 || log[0].ActorID == nil || *log[0].ActorID != p.admin.ID {
			t.Fatalf("audit: %+v", log)
		}
		for _, e := range log {
			if strings.Contains(e.Detail, "Hej") || strings.Contains(e.Detail, "user:name") || !strings.Contains(e.Detail, "account_invitation") {
				t.Errorf("audit detail %q", e.Detail)
			}
		}

		// Reset: the default again, and audited.
		if err := store.ResetTemplate(ctx, db, p.admin, invitation, email, nil, nil); err != nil {
			t.Fatal(err)
		}
		subject, body, custom, err = store.EffectiveTemplate(ctx, db, invitation, email, nil, nil)
		if err != nil || custom || subject != models.AccountInvitationSubjectDefault || body != models.AccountInvitationDefault {
			t.Fatalf("after reset: %q, custom %v, %v", subject, custom, err)
		}
		var n int64
		db.Model(&models.AuditEntry{}).Where("action = ? AND detail LIKE ?", models.AuditTemplateChanged, "reset%").Count(&n)
		if n != 1 {
			t.Errorf("%d reset entries in the audit log, want 1", n)
		}
		// Resetting the default is harmless.
		if err := store.ResetTemplate(ctx, db, p.admin, invitation, email, nil, nil); err != nil {
			t.Fatal(err)
		}
	})
}

func TestTheMostSpecificTemplateWins(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		p := seedPeople(t, db)
		var election models.Election
		var tasks []models.TaskType
		db.First(&election)
		db.Order("id").Find(&tasks)
		if len(tasks) < 2 {
			t.Fatal("the demo has fewer than two task types")
		}
		other := election.ID + 1000 // no such election: nothing stored for it
		save := func(body string, electionID, taskTypeID *int64) {
			t.Helper()
			tpl := customInvitation(body + " [user:one-time-login-url]")
			tpl.ElectionID, tpl.TaskTypeID = electionID, taskTypeID
			if err := store.SaveTemplate(ctx, db, p.admin, tpl); err != nil {
				t.Fatal(err)
			}
		}
		want := func(electionID, taskTypeID *int64, prefix string) {
			t.Helper()
			_, body, _, err := store.EffectiveTemplate(ctx, db, invitation, email, electionID, taskTypeID)
			if err != nil || !strings.HasPrefix(body, prefix) {
				t.Errorf("election %v, task type %v: %q, %v; want %q", deref(electionID), deref(taskTypeID), body, err, prefix)
			}
		}
		save("kommunen", nil, nil)
		save("valget", &election.ID, nil)
		save("opgaven", &election.ID, &tasks[0].ID)
		want(nil, nil, "kommunen")
		want(&election.ID, nil, "valget")
		want(&election.ID, &tasks[0].ID, "opgaven")
		want(&election.ID, &tasks[1].ID, "valget") // another task type: the election's
		want(&other, nil, "kommunen")
		want(&other, &tasks[0].ID, "kommunen")

		// Resetting one scope leaves the others.
		if err := store.ResetTemplate(ctx, db, p.admin, invitation, email, &election.ID, nil); err != nil {
			t.Fatal(err)
		}
		want(&election.ID, &tasks[1].ID, "kommunen")
		want(&election.ID, &tasks[0].ID, "opgaven")

		// A task type needs its election.
		tpl := customInvitation(customBody)
		tpl.TaskTypeID = &tasks[0].ID
		if err := store.SaveTemplate(ctx, db, p.admin, tpl); err == nil {
			t.Error("a task type template without an election was saved")
		}
	})
}

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestOnlyAdministratorsChangeTemplates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		p := seedPeople(t, db)
		for _, role := range []models.Role{models.RoleStaff, models.RoleReadOnly, models.RolePartySecretary, ""} {
			actor := p.secA
			actor.Role = role
			if err := store.SaveTemplate(ctx, db, actor, customInvitation(customBody)); !errors.Is(err, models.ErrForbidden) {
				t.Errorf("%q saves: %v", role, err)
			}
			if err := store.ResetTemplate(ctx, db, actor, invitation, email, nil, nil); !errors.Is(err, models.ErrForbidden) {
				t.Errorf("%q resets: %v", role, err)
			}
		}
		var n int64
		db.Model(&models.MessageTemplate{}).Count(&n)
		if n != 0 {
			t.Fatalf("%d templates stored", n)
		}
	})
}

func TestSaveTemplateRefusesBadTextWithEveryPosition(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		p := seedPeople(t, db)
		tpl := customInvitation("Kære [user:nmae],\n\nDit CPR-nummer: [participant:cpr]\nLink: [user:one-time-login-url] og [Site:Name]\n")
		tpl.Subject = "Hej [user:navn]"
		err := store.SaveTemplate(ctx, db, p.admin, tpl)
		var te *models.TemplateError
		if !errors.As(err, &te) {
			t.Fatalf("err = %v, want a *TemplateError", err)
		}
		subj, body := models.MergeFieldErrors(te.Subject), models.MergeFieldErrors(te.Body)
		if len(subj) != 1 || subj[0].Field != "user:navn" || subj[0].Line != 1 || subj[0].Col != 5 {
			t.Errorf("subject errors: %+v", subj)
		}
		type pos struct {
			field     string
			line, col int
			reason    string
		}
		want := []pos{
			{"user:nmae", 1, 6, "mente du [user:name]"},
			{"participant:cpr", 3, 17, "må ikke bruges i e-mail"},
			{"Site:Name", 4, 36, "små bogstaver"},
		}
		if len(body) != len(want) {
			t.Fatalf("body errors: %v", te.Body)
		}
		for i, w := range want {
			if got := body[i]; got.Field != w.field || got.Line != w.line || got.Col != w.col || !strings.Contains(danish(got.Refusal()), w.reason) {
				t.Errorf("error %d = %+v, want %+v", i, *got, w)
			}
		}
		if len(models.MergeFieldErrors(err)) != 4 {
			t.Errorf("models.MergeFieldErrors(err) finds %d, want 4", len(models.MergeFieldErrors(err)))
		}

		for name, bad := range map[string]models.MessageTemplate{
			"no link":          customInvitation("Hej [user:name]"),
			"empty body":       customInvitation("  \n"),
			"empty subject":    {Kind: invitation, Channel: email, Body: customBody},
			"two-line subject": {Kind: invitation, Channel: email, Subject: "Hej\r\nBcc: x@example.dk", Body: customBody},
			"too long":         customInvitation(customBody + strings.Repeat("x", 20001)),
		} {
			if err := store.SaveTemplate(ctx, db, p.admin, bad); !errors.As(err, &te) || len(te.Problems) != 1 {
				t.Errorf("%s: %v", name, err)
			}
		}
		for name, bad := range map[string]models.MessageTemplate{
			"unknown kind":    {Kind: "nope", Channel: email, Subject: "x", Body: "x"},
			"unknown channel": {Kind: invitation, Channel: "fax", Subject: "x", Body: customBody},
			"by sms":          {Kind: invitation, Channel: "sms", Body: customBody},
		} {
			if err := store.SaveTemplate(ctx, db, p.admin, bad); !errors.Is(err, store.ErrUnknownTemplate) {
				t.Errorf("%s: %v", name, err)
			}
		}
		var n int64
		db.Model(&models.MessageTemplate{}).Count(&n)
		if n != 0 {
			t.Fatalf("%d templates stored", n)
		}
	})
}

// Two administrators saving the same scope at once leave one template.
func TestConcurrentSavesLeaveOneTemplate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		p := seedPeople(t, db)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- store.SaveTemplate(ctx, db, p.admin, customInvitation(strings.Repeat("!", i)+customBody))
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		var n int64
		db.Model(&models.MessageTemplate{}).Count(&n)
		if n != 1 {
			t.Fatalf("%d templates stored, want 1", n)
		}
	})
}
