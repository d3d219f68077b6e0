package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

// FuzzAnswerTokenLookup: the token of an answer link (/svar/:token) comes
// from anyone. For any string the lookup finds the one assignment whose
// token it is, or says models.ErrNotFound — never another assignment, never a
// database error (the token only ever reaches the database hashed).
func FuzzAnswerTokenLookup(f *testing.F) {
	const token = "7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e"
	db := storetest.SQLite(f)
	storetest.WithKeys(f, db)
	e := storetest.SeedElection(f, db, models.NewDate(2027, time.January, 19), 1, 1, 1)
	a := storetest.Nominate(f, db, e.Slots[0], e.People[0].ID)
	if err := store.SaveAnswerToken(context.Background(), db, a.ID, token, "3141", time.Now()); err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{token, token[:40], token + "0", strings.ToUpper(token), "", "æøå", "\xff\xfe",
		strings.Repeat("a", 129), "' OR 1=1 --", token[:63] + "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := store.AssignmentByAnswerToken(context.Background(), db, s)
		switch {
		case s == token:
			if err != nil || got.ID != a.ID {
				t.Fatalf("the real token found %d, %v", got.ID, err)
			}
		case !errors.Is(err, models.ErrNotFound):
			t.Fatalf("token %q: %+v, %v", s, got.ID, err)
		}
	})
}
