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

func TestAPITokensAreHashedActAsTheirUserAndDieWithIt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		t0 := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
		admin := models.User{Email: "admin@x.example", Name: "Admin", Role: models.RoleAdmin, CreatedAt: t0}
		staff := models.User{Email: "staff@x.example", Name: "Staff", Role: models.RoleStaff, CreatedAt: t0}
		db.Create(&admin)
		db.Create(&staff)

		if _, _, err := store.CreateAPIToken(ctx, db, staff, staff.ID, "mit script", t0); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("staff creating a token: %v", err)
		}
		var ue *models.UserError
		if _, _, err := store.CreateAPIToken(ctx, db, admin, staff.ID, "  ", t0); !errors.As(err, &ue) {
			t.Fatalf("token without a name: %v", err)
		}
		if _, _, err := store.CreateAPIToken(ctx, db, admin, 9999, "x", t0); !errors.As(err, &ue) {
			t.Fatalf("token for an unknown user: %v", err)
		}
		token, saved, err := store.CreateAPIToken(ctx, db, admin, staff.ID, " valgliste ", t0)
		if err != nil || saved.Name != "valgliste" || saved.TokenHash == token || len(token) < 40 {
			t.Fatalf("CreateAPIToken = %q %+v %v", token, saved, err)
		}
		u, err := store.LookupAPIToken(ctx, db, token, t0.Add(time.Hour))
		if err != nil || u.ID != staff.ID || u.Role != models.RoleStaff {
			t.Fatalf("LookupAPIToken = %+v %v", u, err)
		}
		var stored models.APIToken
		db.First(&stored)
		if stored.LastUsedAt == nil || !stored.LastUsedAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("last use not noted: %v", stored.LastUsedAt)
		}
		for _, bad := range []string{"", "forkert", stored.TokenHash} {
			if _, err := store.LookupAPIToken(ctx, db, bad, t0); !errors.Is(err, store.ErrNoAPIToken) {
				t.Errorf("LookupAPIToken(%q) = %v", bad, err)
			}
		}
		if err := db.Delete(&staff).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := store.LookupAPIToken(ctx, db, token, t0); !errors.Is(err, store.ErrNoAPIToken) {
			t.Errorf("token of a deleted user: %v", err)
		}
	})
}

// A token lives 90 days unless asked otherwise, at most a year; only an
// administrator issues one, for themselves or a user who is no
// administrator; an expired or revoked token opens nothing, as an unknown
// one; its owner and administrators revoke it, anyone else finds nothing;
// issuing, revoking and each use are audited with the token's name.
func TestAPITokensExpireAreRevokedAndAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		t0 := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
		admin := models.User{Email: "admin@x.example", Name: "Admin", Role: models.RoleAdmin, CreatedAt: t0}
		admin2 := models.User{Email: "admin2@x.example", Name: "Admin 2", Role: models.RoleAdmin, CreatedAt: t0}
		staff := models.User{Email: "staff@x.example", Name: "Staff", Role: models.RoleStaff, CreatedAt: t0}
		other := models.User{Email: "other@x.example", Name: "Other", Role: models.RoleReadOnly, CreatedAt: t0}
		for _, u := range []*models.User{&admin, &admin2, &staff, &other} {
			if err := db.Create(u).Error; err != nil {
				t.Fatal(err)
			}
		}
		field := func(err error) string {
			ue, ok := models.AsUserError(err)
			if !ok {
				return "no refusal: " + fmt.Sprint(err)
			}
			return ue.Field + " " + ue.Key
		}
		for _, c := range []struct {
			in   models.NewAPIToken
			want string
		}{
			{models.NewAPIToken{UserID: staff.ID, Name: "x", ExpiresInDays: 366}, "expires_in_days error.apitoken.days"},
			{models.NewAPIToken{UserID: staff.ID, Name: "x", ExpiresInDays: -1}, "expires_in_days error.apitoken.days"},
			{models.NewAPIToken{UserID: admin2.ID, Name: "x"}, "user_id error.apitoken.otheradmin"},
			{models.NewAPIToken{UserID: staff.ID, Name: "a\x00b"}, "name error.apitoken.name"},
		} {
			if _, _, err := store.IssueAPIToken(ctx, db, admin, c.in, t0); field(err) != c.want {
				t.Errorf("IssueAPIToken(%+v) = %s, want %s", c.in, field(err), c.want)
			}
		}

		// The default is 90 days, a year is allowed, and an admin's own.
		_, def, err := store.IssueAPIToken(ctx, db, admin, models.NewAPIToken{UserID: staff.ID, Name: "standard"}, t0)
		if err != nil || !def.ExpiresAt.Equal(t0.AddDate(0, 0, 90)) || def.ID == 0 || def.CreatedBy == nil || *def.CreatedBy != admin.ID {
			t.Fatalf("default token: %+v %v", def, err)
		}
		if _, year, err := store.IssueAPIToken(ctx, db, admin, models.NewAPIToken{UserID: staff.ID, Name: "år", ExpiresInDays: 365}, t0); err != nil || !year.ExpiresAt.Equal(t0.AddDate(0, 0, 365)) {
			t.Fatalf("a year's token: %+v %v", year, err)
		}
		if _, _, err := store.IssueAPIToken(ctx, db, admin, models.NewAPIToken{UserID: admin.ID, Name: "min egen", ExpiresInDays: 1}, t0); err != nil {
			t.Fatalf("an administrator's own token: %v", err)
		}

		// Expiry: valid up to the instant, refused from it on.
		short, _, err := store.IssueAPIToken(ctx, db, admin, models.NewAPIToken{UserID: staff.ID, Name: "kort", ExpiresInDays: 2}, t0)
		if err != nil {
			t.Fatal(err)
		}
		if u, err := store.LookupAPIToken(ctx, db, short, t0.Add(48*time.Hour-time.Second)); err != nil || u.ID != staff.ID {
			t.Fatalf("a token the second before it expires: %v %v", u.ID, err)
		}
		if _, err := store.LookupAPIToken(ctx, db, short, t0.Add(48*time.Hour)); !errors.Is(err, store.ErrNoAPIToken) {
			t.Fatalf("an expired token: %v", err)
		}

		// Revocation: another user finds nothing; the owner revokes at once.
		tok, issued, err := store.IssueAPIToken(ctx, db, admin, models.NewAPIToken{UserID: staff.ID, Name: "valgliste"}, t0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.RevokeAPIToken(ctx, db, other, issued.ID, t0); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("another user revoking: %v", err)
		}
		if _, err := store.RevokeAPIToken(ctx, db, staff, 99999, t0); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("revoking an unknown token: %v", err)
		}
		if _, err := store.LookupAPIToken(ctx, db, tok, t0.Add(time.Hour)); err != nil {
			t.Fatalf("a live token: %v", err)
		}
		revoked, err := store.RevokeAPIToken(ctx, db, staff, issued.ID, t0.Add(2*time.Hour))
		if err != nil || revoked.RevokedAt == nil || *revoked.RevokedBy != staff.ID {
			t.Fatalf("the owner revoking: %+v %v", revoked, err)
		}
		if _, err := store.LookupAPIToken(ctx, db, tok, t0.Add(2*time.Hour)); !errors.Is(err, store.ErrNoAPIToken) {
			t.Fatalf("a revoked token: %v", err)
		}
		// An administrator revokes another's token; twice changes nothing.
		if _, err := store.RevokeAPIToken(ctx, db, admin, def.ID, t0); err != nil {
			t.Fatalf("an administrator revoking: %v", err)
		}
		if again, err := store.RevokeAPIToken(ctx, db, admin, def.ID, t0.Add(time.Hour)); err != nil || !again.RevokedAt.Equal(t0) {
			t.Fatalf("revoking twice: %+v %v", again, err)
		}

		// The lists: an administrator every token, a user their own.
		all, err := store.APITokens(ctx, db, admin, true, t0.Add(72*time.Hour))
		if err != nil || len(all) != 5 {
			t.Fatalf("every token: %d %v", len(all), err)
		}
		states := map[string]models.APITokenState{}
		for _, v := range all {
			states[v.Name] = v.State
			if v.CreatorName != "Admin" || v.UserName == "" {
				t.Errorf("token %q: user %q, creator %q", v.Name, v.UserName, v.CreatorName)
			}
		}
		if states["kort"] != models.APITokenExpired || states["valgliste"] != models.APITokenRevoked || states["år"] != models.APITokenActive {
			t.Errorf("states: %v", states)
		}
		if _, err := store.APITokens(ctx, db, staff, true, t0); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("staff listing every token: %v", err)
		}
		own, err := store.APITokens(ctx, db, other, false, t0)
		if err != nil || len(own) != 0 {
			t.Errorf("the tokens of a user without any: %v %v", own, err)
		}

		// Use is audited with the name and the route's pattern.
		if err := store.AuditAPITokenUse(ctx, db, staff, issued, "POST", "/api/v1/elections/:id/plan/quota", 201, t0); err != nil {
			t.Fatal(err)
		}
		var log []models.AuditEntry
		db.Where("action LIKE ?", "api_token.%").Order("id").Find(&log)
		var created, revokes, used int
		for _, e := range log {
			switch e.Action {
			case models.AuditAPITokenCreated:
				created++
				if e.ActorID == nil || *e.ActorID != admin.ID {
					t.Errorf("creation audited as %v", e.ActorID)
				}
			case models.AuditAPITokenRevoked:
				revokes++
			case models.AuditAPITokenUsed:
				used++
				if want := fmt.Sprintf("API token %d \"valgliste\": POST /api/v1/elections/:id/plan/quota → 201", issued.ID); e.Detail != want || *e.ActorID != staff.ID {
					t.Errorf("use audited as %q by %v, want %q", e.Detail, *e.ActorID, want)
				}
			}
		}
		if created != 5 || revokes != 2 || used != 1 {
			t.Errorf("audit: %d created, %d revoked, %d used; want 5, 2, 1", created, revokes, used)
		}
		if !strings.Contains(log[0].Detail, `"standard"`) || !strings.Contains(log[0].Detail, fmt.Sprint(staff.ID)) {
			t.Errorf("creation detail %q lacks the name or the user", log[0].Detail)
		}
	})
}
