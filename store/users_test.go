package store_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

func refusedWith(t *testing.T, err error, key string) {
	t.Helper()
	var ue *models.UserError
	if !errors.As(err, &ue) || ue.Key != key {
		t.Errorf("%v, want the refusal %s", err, key)
	}
}

// Deactivation ends at once the user's sessions (a pending TOTP login
// too), API tokens and one-time links, and refuses a session made after
// it; reactivation lets the token and new sessions work again.
func TestDeactivationEndsSessionsTokensAndLinks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		p := seedPeople(t, db)
		t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		full, _ := store.CreateSession(ctx, db, p.secA.ID, t0)
		pending, _ := store.CreatePendingSession(ctx, db, p.secA.ID, t0)
		apiToken, _, err := store.CreateAPIToken(ctx, db, p.admin, p.secA.ID, "script", t0)
		if err != nil {
			t.Fatal(err)
		}
		link, _ := store.CreateAccountLink(ctx, db, p.secA.ID, t0)
		other, _ := store.CreateSession(ctx, db, p.secV.ID, t0)

		if err := store.DeactivateUser(ctx, db, p.secV, p.secA.ID, t0); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("a party secretary deactivated a user: %v", err)
		}
		if err := store.DeactivateUser(ctx, db, p.admin, -1, t0); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("an unknown user: %v", err)
		}
		if err := store.DeactivateUser(ctx, db, p.admin, p.secA.ID, t0); err != nil {
			t.Fatal(err)
		}
		for name, token := range map[string]string{"full": full, "pending": pending} {
			if _, _, err := store.LookupSession(ctx, db, token, t0); !errors.Is(err, store.ErrNoSession) {
				t.Errorf("the %s session lives on: %v", name, err)
			}
		}
		var left int64
		db.Model(&models.Session{}).Where("user_id = ?", p.secA.ID).Count(&left)
		if left != 0 {
			t.Errorf("%d sessions left", left)
		}
		if _, err := store.LookupAPIToken(ctx, db, apiToken, t0); !errors.Is(err, store.ErrNoAPIToken) {
			t.Errorf("the API token works: %v", err)
		}
		if _, err := store.CheckAccountLink(ctx, db, link, t0); !errors.Is(err, store.ErrLinkUnknown) {
			t.Errorf("the one-time link works: %v", err)
		}
		if _, _, err := store.LookupSession(ctx, db, other, t0); err != nil {
			t.Errorf("another user's session ended: %v", err)
		}
		// Belt and braces: a session made after (or despite) deactivation
		// opens nothing, nor does a new link.
		late, _ := store.CreateSession(ctx, db, p.secA.ID, t0)
		if _, _, err := store.LookupSession(ctx, db, late, t0); !errors.Is(err, store.ErrNoSession) {
			t.Errorf("a deactivated user's new session: %v", err)
		}
		lateLink, _ := store.CreateAccountLink(ctx, db, p.secA.ID, t0)
		if _, err := store.CheckAccountLink(ctx, db, lateLink, t0); !errors.Is(err, store.ErrLinkUnknown) {
			t.Errorf("a deactivated user's new link: %v", err)
		}
		refusedWith(t, store.EndAccountLinks(ctx, db, p.admin, p.secA.ID, t0), "error.user.deactivated")
		var audit models.AuditEntry
		db.Where("action = ?", models.AuditUserDeactivated).Last(&audit)
		if !strings.Contains(audit.Detail, "user ") || strings.Contains(audit.Detail, p.secA.Email) || *audit.ActorID != p.admin.ID {
			t.Errorf("audit entry %+v", audit)
		}

		if err := store.ReactivateUser(ctx, db, p.admin, p.secA.ID, t0); err != nil {
			t.Fatal(err)
		}
		if u, err := store.LookupAPIToken(ctx, db, apiToken, t0); err != nil || u.ID != p.secA.ID {
			t.Errorf("the API token after reactivation: %v", err)
		}
		again, _ := store.CreateSession(ctx, db, p.secA.ID, t0)
		if _, u, err := store.LookupSession(ctx, db, again, t0); err != nil || u.DeactivatedAt != nil {
			t.Errorf("a session after reactivation: %+v %v", u, err)
		}
	})
}

// An administrator cannot demote or deactivate themselves, and the last
// active administrator stays one: of two administrators demoting each
// other, the second is refused.
func TestTheLastActiveAdministratorStays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		p := seedPeople(t, db)
		t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		a := p.admin
		b, err := store.CreateUser(ctx, db, a, models.NewUser{Email: "b@x.example", Name: "Admin B", Role: models.RoleAdmin}, t0)
		if err != nil {
			t.Fatal(err)
		}
		db.Model(&models.User{}).Where("role = ? AND id NOT IN ?", models.RoleAdmin, []int64{a.ID, b.ID}).Update("deactivated_at", t0)
		asStaff := models.NewUser{Email: a.Email, Name: a.Name, Role: models.RoleStaff}

		_, err = store.UpdateUser(ctx, db, a, a.ID, asStaff, t0)
		refusedWith(t, err, "error.user.selfdemote")
		refusedWith(t, store.DeactivateUser(ctx, db, a, a.ID, t0), "error.user.selfdeactivate")

		if err := store.DeactivateUser(ctx, db, a, b.ID, t0); err != nil {
			t.Fatal(err)
		}
		// B acts on what they saw before: A is now the last one.
		refusedWith(t, store.DeactivateUser(ctx, db, b, a.ID, t0), "error.user.lastadmin")
		_, err = store.UpdateUser(ctx, db, b, a.ID, asStaff, t0)
		refusedWith(t, err, "error.user.lastadmin")

		// With B active again, A may demote B, whose sessions end.
		if err := store.ReactivateUser(ctx, db, a, b.ID, t0); err != nil {
			t.Fatal(err)
		}
		session, _ := store.CreateSession(ctx, db, b.ID, t0)
		u, err := store.UpdateUser(ctx, db, a, b.ID, models.NewUser{Email: b.Email, Name: b.Name, Role: models.RoleReadOnly}, t0)
		if err != nil || u.Role != models.RoleReadOnly {
			t.Fatalf("demote B: %+v %v", u, err)
		}
		if _, _, err := store.LookupSession(ctx, db, session, t0); !errors.Is(err, store.ErrNoSession) {
			t.Errorf("B's session outlived the new role: %v", err)
		}
		var audit models.AuditEntry
		db.Where("action = ?", models.AuditUserChanged).Last(&audit)
		if !strings.Contains(audit.Detail, "role admin → read_only") || strings.Contains(audit.Detail, "b@x.example") {
			t.Errorf("audit detail %q", audit.Detail)
		}
	})
}

// Editing a party secretary: e-mail normalized and unique, party required,
// a station limit set and cleared; a new party ends the sessions, new
// stations alone do not.
func TestUpdateUserPartyAndStations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		p := seedPeople(t, db)
		t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		var stations []models.PollingStation
		db.Order("district").Find(&stations)
		if len(stations) < 2 {
			t.Fatal("the demo has fewer than two polling stations")
		}
		if _, err := store.UpdateUser(ctx, db, p.secV, p.secA.ID, models.NewUser{}, t0); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("a party secretary edited a user: %v", err)
		}
		in := models.NewUser{Email: " Sek.A@X.example", Name: " Sekretær A ", Role: models.RolePartySecretary, PartyID: &p.v.ID,
			StationLimited: true, StationIDs: []int64{stations[1].ID, stations[1].ID}}
		if _, err := store.UpdateUser(ctx, db, p.admin, -1, in, t0); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("an unknown user: %v", err)
		}
		session, _ := store.CreateSession(ctx, db, p.secA.ID, t0)
		u, err := store.UpdateUser(ctx, db, p.admin, p.secA.ID, in, t0)
		if err != nil || u.Email != "sek.a@x.example" || u.Name != "Sekretær A" || *u.PartyID != p.v.ID {
			t.Fatalf("UpdateUser: %+v %v", u, err)
		}
		var stored models.User
		db.First(&stored, p.secA.ID)
		if limit, _ := store.StationLimitOf(ctx, db, stored); !limit.Limited || len(limit.IDs) != 1 || limit.IDs[0] != stations[1].ID {
			t.Errorf("station limit %+v", limit)
		}
		if _, _, err := store.LookupSession(ctx, db, session, t0); !errors.Is(err, store.ErrNoSession) {
			t.Errorf("the session outlived the new party: %v", err)
		}

		session, _ = store.CreateSession(ctx, db, p.secA.ID, t0)
		in.StationIDs = []int64{stations[0].ID, stations[1].ID}
		if _, err := store.UpdateUser(ctx, db, p.admin, p.secA.ID, in, t0); err != nil {
			t.Fatal(err)
		}
		if _, _, err := store.LookupSession(ctx, db, session, t0); err != nil {
			t.Errorf("new stations ended the session: %v", err)
		}

		for key, bad := range map[string]models.NewUser{
			"error.user.nostation":     {Email: "sek.a@x.example", Name: "A", Role: models.RolePartySecretary, PartyID: &p.v.ID, StationLimited: true},
			"error.user.noparty":       {Email: "sek.a@x.example", Name: "A", Role: models.RolePartySecretary},
			"error.user.emailtaken":    {Email: "V@x.example", Name: "A", Role: models.RolePartySecretary, PartyID: &p.v.ID},
			"error.station.oneunknown": {Email: "sek.a@x.example", Name: "A", Role: models.RolePartySecretary, PartyID: &p.v.ID, StationLimited: true, StationIDs: []int64{-5}},
			"error.user.email":         {Email: "ikke en adresse", Name: "A", Role: models.RoleStaff},
			"error.user.role":          {Email: "sek.a@x.example", Name: "A", Role: "superuser"},
			"error.user.name":          {Email: "sek.a@x.example", Name: " ", Role: models.RoleStaff},
		} {
			_, err := store.UpdateUser(ctx, db, p.admin, p.secA.ID, bad, t0)
			refusedWith(t, err, key)
		}

		// Staff have neither party nor stations.
		in = models.NewUser{Email: "sek.a@x.example", Name: "A", Role: models.RoleStaff, PartyID: &p.v.ID, StationLimited: true, StationIDs: []int64{stations[0].ID}}
		if u, err = store.UpdateUser(ctx, db, p.admin, p.secA.ID, in, t0); err != nil || u.PartyID != nil || u.StationLimited {
			t.Fatalf("to staff: %+v %v", u, err)
		}
		var rows int64
		db.Model(&models.UserStation{}).Where("user_id = ?", p.secA.ID).Count(&rows)
		if rows != 0 {
			t.Errorf("%d station rows left", rows)
		}

		// The create form takes the station limit too.
		created, err := store.CreateUser(ctx, db, p.admin, models.NewUser{Email: "ny@x.example", Name: "Ny", Role: models.RolePartySecretary,
			PartyID: &p.a.ID, StationLimited: true, StationIDs: []int64{stations[0].ID}}, t0)
		if err != nil {
			t.Fatal(err)
		}
		if limit, _ := store.StationLimitOf(ctx, db, created); !limit.Limited || len(limit.IDs) != 1 {
			t.Errorf("created with limit %+v", limit)
		}
	})
}

// The search matches name or e-mail in any case, Danish letters too, and
// lists in Danish order.
func TestSearchUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		p := seedPeople(t, db)
		t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		for _, n := range []models.NewUser{
			{Email: "oe@x.example", Name: "Øjvind Ærø", Role: models.RoleStaff},
			{Email: "aa@x.example", Name: "Åse Aalund", Role: models.RoleStaff},
			{Email: "zeta@y.example", Name: "Zenia", Role: models.RoleReadOnly},
		} {
			if _, err := store.CreateUser(ctx, db, p.admin, n, t0); err != nil {
				t.Fatal(err)
			}
		}
		names := func(q string) string {
			users, err := store.SearchUsers(ctx, db, q)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, u := range users {
				out = append(out, u.Name)
			}
			return strings.Join(out, ", ")
		}
		for q, want := range map[string]string{
			"øjv": "Øjvind Ærø", "ØJVIND": "Øjvind Ærø", " ærø ": "Øjvind Ærø",
			"ZETA@Y": "Zenia", "x.example": "Sekretær A, Sekretær V, Øjvind Ærø, Åse Aalund",
			"ingen sådan": "",
		} {
			if got := names(q); got != want {
				t.Errorf("search %q: %q, want %q", q, got, want)
			}
		}
		var all int64
		db.Model(&models.User{}).Count(&all)
		if users, _ := store.SearchUsers(ctx, db, ""); int64(len(users)) != all {
			t.Errorf("an empty search lists %d of %d", len(users), all)
		}
	})
}

// Sending the link again ends the old one at once; whoever then makes a
// link, only the newest works. A login completed is noted.
func TestResendEndsTheOldLinkAndLoginIsNoted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		p := seedPeople(t, db)
		t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		old, _ := store.CreateAccountLink(ctx, db, p.secA.ID, t0)
		if err := store.EndAccountLinks(ctx, db, p.secV, p.secA.ID, t0); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("a party secretary resent a link: %v", err)
		}
		if err := store.EndAccountLinks(ctx, db, p.admin, p.secA.ID, t0); err != nil {
			t.Fatal(err)
		}
		if _, err := store.CheckAccountLink(ctx, db, old, t0); !errors.Is(err, store.ErrLinkUnknown) {
			t.Errorf("the old link after a resend: %v", err)
		}
		first, _ := store.CreateAccountLink(ctx, db, p.secA.ID, t0)
		second, _ := store.CreateAccountLink(ctx, db, p.secA.ID, t0.Add(time.Minute))
		if _, err := store.CheckAccountLink(ctx, db, first, t0); !errors.Is(err, store.ErrLinkUnknown) {
			t.Errorf("an older link: %v", err)
		}
		if u, err := store.CheckAccountLink(ctx, db, second, t0); err != nil || u.ID != p.secA.ID {
			t.Errorf("the newest link: %v", err)
		}

		if err := store.NoteLogin(ctx, db, p.secA.ID, t0); err != nil {
			t.Fatal(err)
		}
		var u models.User
		db.First(&u, p.secA.ID)
		if u.LastLoginAt == nil || !u.LastLoginAt.Equal(t0) {
			t.Errorf("last login %v, want %v", u.LastLoginAt, t0)
		}
	})
}

// Two administrators deactivating each other at the same moment: one
// wins, and an active administrator is left.
func TestAdministratorsDeactivatingEachOtherAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		p := seedPeople(t, db)
		t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		for round := range 5 {
			a := p.admin
			b, err := store.CreateUser(ctx, db, a, models.NewUser{Email: fmt.Sprintf("b%d@x.example", round), Name: "B", Role: models.RoleAdmin}, t0)
			if err != nil {
				t.Fatal(err)
			}
			db.Model(&models.User{}).Where("role = ? AND id NOT IN ?", models.RoleAdmin, []int64{a.ID, b.ID}).Update("deactivated_at", t0)
			db.Model(&models.User{}).Where("id = ?", a.ID).Update("deactivated_at", nil)
			var wg sync.WaitGroup
			errs := make([]error, 2)
			wg.Go(func() { errs[0] = store.DeactivateUser(ctx, db, a, b.ID, t0) })
			wg.Go(func() { errs[1] = store.DeactivateUser(ctx, db, b, a.ID, t0) })
			wg.Wait()
			var active int64
			db.Model(&models.User{}).Where("role = ? AND deactivated_at IS NULL", models.RoleAdmin).Count(&active)
			if active != 1 {
				t.Fatalf("round %d: %d active administrators left (%v)", round, active, errs)
			}
		}
	})
}
