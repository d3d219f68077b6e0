package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

// A password login would refuse is refused when it is chosen, clearly and
// with the link still usable: else the new user is locked out.
func TestActivationRefusesAPasswordLoginWouldRefuse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db, false)
		u, link := newAccountLink(t, db)
		b := newBrowser(t, f.app)
		choose := func(password, lang string) (int, string) {
			rec := b.do(http.MethodPost, "/konto/aktiver/"+link+lang, url.Values{"password": {password}, "password2": {password},
				"csrf_token": {b.csrf()}})
			return rec.Code, rec.Body.String()
		}
		for _, c := range []struct{ password, lang, want string }{
			{"en lang og god\x00adgangskode", "", "Adgangskoden indeholder tegn, der ikke kan bruges"},
			{"en lang og god adgangskode \xff", "", "Adgangskoden indeholder tegn, der ikke kan bruges"},
			{"en lang og god\x1badgangskode", "?lang=en", "The password contains characters that cannot be used"},
			{strings.Repeat("p", 1025), "?lang=da", "Adgangskoden er for lang (højst 1024 byte)"},
			{"kort", "", "mindst 12 tegn"},
		} {
			code, body := choose(c.password, c.lang)
			if code != http.StatusUnprocessableEntity || !strings.Contains(body, c.want) || !strings.Contains(body, ", Ny Bruger.") {
				t.Errorf("password %.20q: %d, want 422 with %q on the form: %.300s", c.password, code, c.want, body)
			}
		}
		var stored models.User
		db.First(&stored, u.ID)
		if stored.PasswordHash != "" {
			t.Fatal("a refused password was stored")
		}
		// The link still works, and the password it takes logs in.
		if rec := b.do(http.MethodGet, "/konto/aktiver/"+link, nil); rec.Code != http.StatusOK {
			t.Fatalf("the link after the refusals: %d", rec.Code)
		}
		const chosen = "en lang og god adgangskode\tmed tabulator"
		if code, body := choose(chosen, ""); code != http.StatusOK || !strings.Contains(body, "Adgangskoden er gemt") {
			t.Fatalf("a good password: %d %.300s", code, body)
		}
		rec := b.do(http.MethodPost, "/login", url.Values{"email": {u.Email}, "password": {chosen}, "csrf_token": {b.csrf()}})
		if rec.Code != http.StatusSeeOther {
			t.Errorf("login with the chosen password: %d %.300s", rec.Code, rec.Body)
		}
	})
}

// newAccountLink makes a new staff user, Ny Bruger, and the one-time link
// on which they choose a password.
func newAccountLink(t *testing.T, db *gorm.DB) (models.User, string) {
	t.Helper()
	u := models.User{Email: "ny.bruger@sondera.example", Name: "Ny Bruger", Role: models.RoleStaff, CreatedAt: now}
	if err := db.Create(&u).Error; err != nil {
		t.Fatal(err)
	}
	link, err := store.CreateAccountLink(context.Background(), db, u.ID, now)
	if err != nil {
		t.Fatal(err)
	}
	return u, link
}
