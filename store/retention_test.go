package store_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

var retentionDay = models.NewDate(2026, 11, 3)

// retentionWorld is a closed election with people in every situation:
//
//	p0: completed, with an answer token, a message with history, a copy of
//	    a group message and a CPR lookup in the audit log   → deleted
//	p1: confirmed, consented to stay in the pool              → kept
//	p2: declined, also nominated in a second election         → kept
//	p3: replaced p2 (confirmed), and on the reserve list      → deleted
//	p4: in no election                                        → untouched
type retentionWorld struct {
	db      *gorm.DB
	e       storetest.Election
	other   models.Election
	otherA  models.Assignment
	as      []models.Assignment // p0, p1, p2, p3 in the closed election
	staff   models.User
	admin   models.User
	readers models.User
}

func newRetentionWorld(t *testing.T, db *gorm.DB) *retentionWorld {
	t.Helper()
	storetest.WithKeys(t, db)
	w := &retentionWorld{db: db, e: storetest.SeedElection(t, db, retentionDay, 2, 4, 5)}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now().UTC()
	p, s := w.e.People, w.e.Slots
	set := func(a *models.Assignment, st models.AssignmentState) {
		must(db.Model(a).Update("state", st).Error)
		a.State = st
	}
	a0 := storetest.Nominate(t, db, s[0], p[0].ID)
	set(&a0, models.StateCompleted)
	a1 := storetest.Nominate(t, db, s[1], p[1].ID)
	set(&a1, models.StateConfirmed)
	a2 := storetest.Nominate(t, db, s[2], p[2].ID)
	set(&a2, models.StateDeclined)
	a3 := storetest.Nominate(t, db, s[2], p[3].ID)
	must(db.Model(&a3).Updates(map[string]any{"state": models.StateConfirmed, "replaces_id": a2.ID}).Error)
	a3.State = models.StateConfirmed
	w.as = []models.Assignment{a0, a1, a2, a3}
	must(db.Model(&p[1]).Updates(map[string]any{"keep_in_pool": true, "pool_consent_at": now}).Error)
	must(db.Create(&models.Reserve{ElectionID: w.e.Election.ID, PartyID: w.e.Party.ID, ParticipantID: p[3].ID, CreatedAt: now}).Error)
	must(db.Create(&models.AnswerToken{TokenHash: "hash-a0", AssignmentID: a0.ID, CreatedAt: now}).Error)
	eid := w.e.Election.ID
	msg := models.Message{ID: "m-a0", DedupeKey: "k-a0", Kind: "invitation", AssignmentID: &a0.ID, ParticipantID: &p[0].ID,
		ElectionID: &eid, Channel: "email", Status: models.MessageDelivered, CreatedAt: now}
	must(db.Create(&msg).Error)
	must(db.Create(&models.MessageEvent{MessageID: msg.ID, At: now, Channel: "email", Status: "sent"}).Error)
	must(db.Create(&models.MessageEvent{MessageID: msg.ID, At: now, Channel: "email", Status: "delivered"}).Error)
	gm := models.GroupMessage{ElectionID: eid, Body: "Tak for hjælpen", WorkflowID: "group-1", CreatedAt: now}
	must(db.Create(&gm).Error)
	must(db.Create(&models.Message{ID: "m-g0", DedupeKey: "k-g0", Kind: "group", ParticipantID: &p[0].ID, ElectionID: &eid,
		GroupMessageID: &gm.ID, Channel: "sms", Status: models.MessageFailed, CreatedAt: now}).Error)
	must(db.Create(&models.Message{ID: "m-a1", DedupeKey: "k-a1", Kind: "invitation", AssignmentID: &a1.ID, ParticipantID: &p[1].ID,
		ElectionID: &eid, Status: models.MessagePending, CreatedAt: now}).Error)
	idx := p[0].CPRIndex
	audit := func(pid *int64, subject *string, detail string) {
		must(store.Audit(db, models.AuditEntry{At: now, Action: models.AuditLifecycle, ParticipantID: pid, SubjectIndex: subject, Detail: detail}))
	}
	audit(nil, &idx, "SF1520 lookup at nomination")
	audit(&p[0].ID, nil, fmt.Sprintf("assignment %d: confirmed → completed (day over)", a0.ID))
	audit(&p[1].ID, nil, fmt.Sprintf("assignment %d: invited → confirmed (link)", a1.ID))
	audit(&p[2].ID, nil, fmt.Sprintf("slot %d (election %d, party %d)", s[2].ID, eid, w.e.Party.ID))
	audit(&p[3].ID, nil, fmt.Sprintf("reserve of party %d for election %d", w.e.Party.ID, eid))
	audit(&p[4].ID, nil, "on the list of party 1")

	// The second election, still active, where p2 is nominated.
	w.other = models.Election{Title: "Kommunalvalg", Kind: models.Kommunalvalg, ElectionDay: retentionDay.AddDays(30),
		State: models.ElectionActive, CreatedAt: now, UpdatedAt: now}
	must(db.Create(&w.other).Error)
	os := models.Slot{ElectionID: w.other.ID, StationID: w.e.Stations[0].ID, TaskTypeID: w.e.TaskType.ID, Day: w.other.ElectionDay,
		PartyID: w.e.Party.ID, CreatedAt: now}
	must(db.Create(&os).Error)
	w.otherA = storetest.Nominate(t, db, os, p[2].ID)
	audit(&p[2].ID, nil, fmt.Sprintf("assignment %d: nominated", w.otherA.ID))
	audit(&p[2].ID, nil, fmt.Sprintf("on the list of party %d", w.e.Party.ID))

	must(db.Model(&models.Election{}).Where("id = ?", eid).Update("state", models.ElectionClosed).Error)
	w.staff = w.e.Staff
	w.admin = models.User{Email: "admin@example.dk", Name: "Admin", Role: models.RoleAdmin, CreatedAt: now}
	must(db.Create(&w.admin).Error)
	w.readers = models.User{Email: "laeser@example.dk", Name: "Læser", Role: models.RoleReadOnly, CreatedAt: now}
	must(db.Create(&w.readers).Error)
	return w
}

func count(t *testing.T, q *gorm.DB) int64 {
	t.Helper()
	var n int64
	if err := q.Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAnonymiseElection(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newRetentionWorld(t, db)
		eid := w.e.Election.ID
		due := models.RetentionDue(retentionDay, 90)
		if want := time.Date(2027, 1, 31, 23, 0, 0, 0, time.UTC); !due.Equal(want) { // 2027-02-01 00:00 Copenhagen
			t.Fatalf("due %v, want %v", due, want)
		}

		// Before the date nothing is touched.
		if _, err := store.AnonymiseElection(ctx, db, eid, due.Add(-time.Second)); !errors.Is(err, store.ErrNotDue) {
			t.Fatalf("before the date: %v, want ErrNotDue", err)
		}
		if n := count(t, db.Model(&models.Assignment{}).Where("election_id = ?", eid)); n != 4 {
			t.Fatalf("%d assignments after a refused run, want 4", n)
		}
		var e models.Election
		db.First(&e, eid)
		if e.AnonymisedAt != nil {
			t.Fatal("anonymised_at set by a refused run")
		}

		// The dry run.
		plan, err := store.PreviewRetention(ctx, db, eid)
		if err != nil {
			t.Fatal(err)
		}
		// Audit entries: p0's two (one by CPR index), p3's reserve entry,
		// p1's and p2's entries naming this election.
		want := models.RetentionCounts{Due: due, People: 4, Deleted: 2, KeptConsent: 1, KeptOther: 1, Assignments: 4, Reserves: 1,
			Messages: 3, MessageEvents: 2, Tokens: 1, GroupMessages: 1, AuditEntries: 5}
		got := plan.RetentionCounts
		got.AnonymisedAt = nil
		if fmt.Sprintf("%+v", publicPlan(got)) != fmt.Sprintf("%+v", publicPlan(want)) {
			t.Fatalf("dry run\n got %+v\nwant %+v", publicPlan(got), publicPlan(want))
		}

		var before []struct {
			State string
			N     int64
		}
		db.Raw("SELECT state, COUNT(*) AS n FROM assignments WHERE election_id = ? GROUP BY state", eid).Scan(&before)

		now := due.Add(time.Hour)
		if _, err := store.AnonymiseElection(ctx, db, eid, now); err != nil {
			t.Fatal(err)
		}
		p := w.e.People
		var left []int64
		db.Model(&models.Participant{}).Order("id").Pluck("id", &left)
		if fmt.Sprint(left) != fmt.Sprint([]int64{p[1].ID, p[2].ID, p[4].ID}) {
			t.Errorf("people left %v, want p1, p2, p4 %v", left, []int64{p[1].ID, p[2].ID, p[4].ID})
		}
		for what, q := range map[string]*gorm.DB{
			"assignments":     db.Model(&models.Assignment{}).Where("election_id = ?", eid),
			"reserves":        db.Model(&models.Reserve{}).Where("election_id = ?", eid),
			"messages":        db.Model(&models.Message{}).Where("election_id = ?", eid),
			"message events":  db.Model(&models.MessageEvent{}),
			"answer tokens":   db.Model(&models.AnswerToken{}),
			"group messages":  db.Model(&models.GroupMessage{}),
			"memberships":     db.Model(&models.PartyMembership{}).Where("participant_id IN ?", []int64{p[0].ID, p[3].ID}),
			"audit of gone":   db.Model(&models.AuditEntry{}).Where("participant_id IN ?", []int64{p[0].ID, p[3].ID}),
			"audit by index":  db.Model(&models.AuditEntry{}).Where("subject_index = ?", p[0].CPRIndex),
			"notices":         db.Model(&models.Notice{}).Where("election_id = ?", eid),
			"other elections": db.Model(&models.Assignment{}).Where("election_id <> ? AND id <> ?", eid, w.otherA.ID),
		} {
			if n := count(t, q); n != 0 {
				t.Errorf("%s: %d left", what, n)
			}
		}
		// No audit entry of a kept person names this election.
		var es []models.AuditEntry
		db.Where("participant_id IS NOT NULL").Find(&es)
		for _, a := range es {
			for _, asg := range w.as {
				if strings.Contains(a.Detail, fmt.Sprintf("assignment %d:", asg.ID)) {
					t.Errorf("audit entry %d still names assignment %d: %q", a.ID, asg.ID, a.Detail)
				}
			}
			if strings.Contains(a.Detail, fmt.Sprintf("election %d", eid)) && a.Action != models.AuditAnonymised {
				t.Errorf("audit entry %d still names the election: %q", a.ID, a.Detail)
			}
		}
		// The blanked entries keep action and time.
		if n := count(t, db.Model(&models.AuditEntry{}).Where("participant_id IS NULL AND detail = '' AND action = ?", models.AuditLifecycle)); n != 5 {
			t.Errorf("%d blanked lifecycle entries, want 5", n)
		}
		// The second election and p2's entries about it are untouched.
		if n := count(t, db.Model(&models.Assignment{}).Where("id = ?", w.otherA.ID)); n != 1 {
			t.Error("the other election's assignment is gone")
		}
		if n := count(t, db.Model(&models.AuditEntry{}).Where("participant_id = ?", p[2].ID)); n != 2 {
			t.Errorf("p2 has %d audit entries, want the 2 about the other election and the party list", n)
		}

		// The statistics add up to what was there.
		stats, err := store.ElectionStatistics(ctx, db, eid)
		if err != nil {
			t.Fatal(err)
		}
		sum := func(prefix string) (n int64) {
			for k, v := range stats {
				if strings.HasPrefix(k, prefix) {
					n += v
				}
			}
			return n
		}
		if stats[store.StatAssignments] != 4 || sum(store.StatState) != 4 || sum(store.StatTaskType) != 4 || sum(store.StatParty) != 4 {
			t.Errorf("assignment counts don't add up: %v", stats)
		}
		for _, b := range before {
			if stats[store.StatState+b.State] != b.N {
				t.Errorf("state %s: %d, want %d", b.State, stats[store.StatState+b.State], b.N)
			}
		}
		if stats[store.StatTaskType+"Tilforordnet"] != 4 {
			t.Errorf("task type count: %v", stats)
		}
		if stats[store.StatMessages] != 3 || sum(store.StatChannel) != 3 || stats[store.StatChannel+"email/delivered"] != 1 ||
			stats[store.StatChannel+"sms/failed"] != 1 || stats[store.StatChannel+"none/pending"] != 1 {
			t.Errorf("message counts: %v", stats)
		}
		if stats[store.StatPeople] != 4 || stats[store.StatDeleted] != 2 || stats[store.StatKept] != 2 {
			t.Errorf("people counts: %v", stats)
		}
		db.First(&e, eid)
		if e.AnonymisedAt == nil || !e.AnonymisedAt.Equal(now) {
			t.Errorf("anonymised_at %v, want %v", e.AnonymisedAt, now)
		}
		// Again: nothing more happens, and the retention can no longer move.
		if _, err := store.AnonymiseElection(ctx, db, eid, now.Add(time.Hour)); err != nil {
			t.Fatalf("second run: %v", err)
		}
		var ue *models.UserError
		if _, err := store.SetRetentionDays(ctx, db, w.staff, eid, "400", now); !errors.As(err, &ue) {
			t.Errorf("retention after the deletion: %v", err)
		}
	})
}

// publicPlan is a plan's counts, its date in UTC, to compare them.
func publicPlan(p models.RetentionCounts) []any {
	return []any{p.Due.UTC(), p.People, p.Deleted, p.KeptConsent, p.KeptOther, p.Assignments, p.Reserves, p.Messages,
		p.MessageEvents, p.Tokens, p.GroupMessages, p.AuditEntries}
}

func TestAnonymiseOnlyAClosedElection(t *testing.T) {
	db := storetest.SQLite(t)
	w := newRetentionWorld(t, db)
	var ue *models.UserError
	if _, err := store.AnonymiseElection(ctx, db, w.other.ID, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)); !errors.As(err, &ue) {
		t.Fatalf("active election: %v, want a UserError", err)
	}
}

func TestRetentionDaysMoveTheDate(t *testing.T) {
	db := storetest.SQLite(t)
	w := newRetentionWorld(t, db)
	eid := w.e.Election.ID
	var ue *models.UserError
	for _, bad := range []string{"-1", "6", "x", "3651"} {
		if _, err := store.SetRetentionDays(ctx, db, w.staff, eid, bad, time.Now()); !errors.As(err, &ue) {
			t.Errorf("%q: %v, want a UserError", bad, err)
		}
	}
	if _, err := store.SetRetentionDays(ctx, db, w.readers, eid, "30", time.Now()); !errors.Is(err, models.ErrForbidden) {
		t.Errorf("read-only: %v", err)
	}
	e, err := store.SetRetentionDays(ctx, db, w.staff, eid, "180", time.Now())
	if err != nil || e.RetentionDays != 180 {
		t.Fatalf("set: %v, %d", err, e.RetentionDays)
	}
	if _, err := store.AnonymiseElection(ctx, db, eid, models.RetentionDue(retentionDay, 90).Add(time.Hour)); !errors.Is(err, store.ErrNotDue) {
		t.Fatalf("at the old date: %v, want ErrNotDue", err)
	}
	if _, err := store.AnonymiseElection(ctx, db, eid, models.RetentionDue(retentionDay, 180)); err != nil {
		t.Fatalf("at the new date: %v", err)
	}
}

func TestMarkAttendance(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newRetentionWorld(t, db)
		a0, a1, a2, a3 := w.as[0], w.as[1], w.as[2], w.as[3]
		dayBefore := retentionDay.AddDays(-1).In(models.Copenhagen).Add(12 * time.Hour)
		onDay := retentionDay.In(models.Copenhagen).Add(20 * time.Hour)
		var ue *models.UserError
		if err := store.MarkAttendance(ctx, db, w.staff, a1.ID, models.StateNoShow, dayBefore); !errors.As(err, &ue) {
			t.Errorf("before the day: %v, want a UserError", err)
		}
		if err := store.MarkAttendance(ctx, db, w.readers, a1.ID, models.StateNoShow, onDay); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("read-only: %v", err)
		}
		for _, tc := range []struct {
			name string
			a    models.Assignment
			to   models.AssignmentState
			ok   bool
		}{
			{"declined is not marked", a2, models.StateCompleted, false},
			{"not a result", a1, models.StateDeclined, false},
			{"confirmed to no-show", a1, models.StateNoShow, true},
			{"no-show corrected to completed", a1, models.StateCompleted, true},
			{"and back to no-show", a1, models.StateNoShow, true},
			{"completed to no-show", a0, models.StateNoShow, true},
			{"twice is once", a0, models.StateNoShow, true},
		} {
			err := store.MarkAttendance(ctx, db, w.staff, tc.a.ID, tc.to, onDay)
			if tc.ok != (err == nil) || (err != nil && !errors.As(err, &ue)) {
				t.Errorf("%s: %v", tc.name, err)
			}
		}
		if n := count(t, db.Model(&models.AuditEntry{}).Where("action = ?", models.AuditAttendance)); n != 4 {
			t.Errorf("%d attendance audit entries, want 4", n)
		}
		// The lifecycle completing at the end of the day keeps the staff's no-show.
		if err := store.RecordTransition(ctx, db, a1.ID, models.StateCompleted, "", "day over", onDay); err != nil {
			t.Fatal(err)
		}
		var got models.Assignment
		db.First(&got, a1.ID)
		if got.State != models.StateNoShow {
			t.Errorf("after the lifecycle's completion: %s, want no_show", got.State)
		}
		// In bulk: the confirmed at the first station (a3 is at the third slot's, the first station).
		n, err := store.MarkStationAttendance(ctx, db, w.staff, w.e.Election.ID, a3.StationID, models.StateCompleted, onDay)
		if err != nil || n != 1 {
			t.Fatalf("bulk: %d, %v; want 1", n, err)
		}
		got = models.Assignment{}
		db.First(&got, a3.ID)
		if got.State != models.StateCompleted || got.EndedAt == nil {
			t.Errorf("bulk marked %s (ended %v)", got.State, got.EndedAt)
		}
		rows, err := store.AttendanceOf(ctx, db, w.staff, w.e.Election.ID)
		if err != nil || len(rows) != 3 {
			t.Fatalf("attendance list: %d rows, %v; want 3", len(rows), err)
		}
	})
}

func TestDeleteParticipants(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newRetentionWorld(t, db)
		p := w.e.People
		now := time.Now().UTC()
		var ue *models.UserError
		if _, err := store.DeleteParticipants(ctx, db, w.staff, []int64{p[4].ID}, "SLET", now); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("staff: %v, want models.ErrForbidden", err)
		}
		if _, err := store.DeleteParticipants(ctx, db, w.admin, []int64{p[4].ID}, "slet ikke", now); !errors.As(err, &ue) {
			t.Errorf("wrong word: %v, want a UserError", err)
		}
		// p2 is nominated in the active election.
		if _, err := store.DeleteParticipants(ctx, db, w.admin, []int64{p[2].ID, p[4].ID}, "SLET", now); !errors.As(err, &ue) {
			t.Errorf("holding a slot: %v, want a UserError", err)
		}
		if n := count(t, db.Model(&models.Participant{}).Where("id = ?", p[4].ID)); n != 1 {
			t.Fatal("a refused deletion deleted someone")
		}
		// p0 has a completed assignment in the closed election, messages and a CPR lookup.
		n, err := store.DeleteParticipants(ctx, db, w.admin, []int64{p[0].ID, p[4].ID, p[4].ID}, " SLET ", now)
		if err != nil || n != 2 {
			t.Fatalf("deleted %d, %v; want 2", n, err)
		}
		for what, q := range map[string]*gorm.DB{
			"people":      db.Model(&models.Participant{}).Where("id IN ?", []int64{p[0].ID, p[4].ID}),
			"assignments": db.Model(&models.Assignment{}).Where("participant_id = ?", p[0].ID),
			"messages":    db.Model(&models.Message{}).Where("participant_id = ?", p[0].ID),
			"memberships": db.Model(&models.PartyMembership{}).Where("participant_id IN ?", []int64{p[0].ID, p[4].ID}),
			"audit":       db.Model(&models.AuditEntry{}).Where("participant_id IN ? OR subject_index = ?", []int64{p[0].ID, p[4].ID}, p[0].CPRIndex),
		} {
			if n := count(t, q); n != 0 {
				t.Errorf("%s: %d left", what, n)
			}
		}
		var es []models.AuditEntry
		db.Where("action = ?", models.AuditParticipantDeleted).Order("id").Find(&es)
		if len(es) != 2 || es[0].ParticipantID != nil || es[0].ActorID == nil || *es[0].ActorID != w.admin.ID {
			t.Fatalf("deletion audit %+v", es)
		}
		for _, e := range es {
			if strings.Contains(e.Detail, "Person") {
				t.Errorf("deletion audit names the person: %q", e.Detail)
			}
		}
	})
}

func TestSubjectAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newRetentionWorld(t, db)
		p := w.e.People[0]
		if _, err := store.SubjectAccessOf(ctx, db, nil, w.readers, p.ID, time.Now()); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("read-only: %v", err)
		}
		if _, err := store.SubjectAccessOf(ctx, db, nil, w.staff, 999999, time.Now()); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("unknown: %v", err)
		}
		got, err := store.SubjectAccessOf(ctx, db, nil, w.staff, p.ID, time.Now().UTC())
		if err != nil {
			t.Fatal(err)
		}
		if got.Person.CPR != p.CPR.Reveal() || got.Person.Email != "person1@example.dk" || got.Person.Name != "Person 1" {
			t.Errorf("person %+v", got.Person)
		}
		if len(got.Parties) != 1 || got.Parties[0].Party != "Socialdemokratiet" {
			t.Errorf("parties %+v", got.Parties)
		}
		if len(got.Assignments) != 1 || got.Assignments[0].State != "completed" || got.Assignments[0].Station != "Skole 1" {
			t.Errorf("assignments %+v", got.Assignments)
		}
		if len(got.Messages) != 2 {
			t.Fatalf("messages %+v", got.Messages)
		}
		var history int
		for _, m := range got.Messages {
			history += len(m.History)
		}
		if history != 2 {
			t.Errorf("message history %+v", got.Messages)
		}
		actions := map[string]int{}
		for _, a := range got.Audit {
			actions[a.Action]++
		}
		// The CPR lookup (by blind index), the lifecycle step, and the export itself.
		if actions[string(models.AuditLifecycle)] != 2 || actions[string(models.AuditCPRRevealed)] != 1 || actions[string(models.AuditExport)] != 1 {
			t.Errorf("audit %v", actions)
		}
	})
}
