package store_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

// RefreshFromRegister stores a changed name and flags, audits the fields'
// names only, leaves the name when the register gives none, changes
// nothing when nothing changed, and knows no deleted person.
func TestRefreshFromRegister(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		storetest.WithKeys(t, db)
		seed := storetest.SeedElection(t, db, models.NewDate(2026, 11, 3), 1, 1, 2)
		p := seed.People[0]
		now := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
		changed, err := store.RefreshFromRegister(ctx, db, p.ID, store.RegisterFacts{Name: " Bodil  Krag ", ProtectedAddress: true,
			DigitalPostExempt: true}, "re-validation before election 1", now)
		if err != nil || !slices.Equal(changed, []string{"name", "protected_address", "digital_post_exempt"}) {
			t.Fatalf("changed %v, %v", changed, err)
		}
		var got models.Participant
		db.First(&got, p.ID)
		if got.Name != "Bodil  Krag" || !got.ProtectedAddress || !got.DigitalPostExempt || !got.UpdatedAt.Equal(now) {
			t.Errorf("after the refresh: %q %t %t %v", got.Name, got.ProtectedAddress, got.DigitalPostExempt, got.UpdatedAt)
		}
		// The search finds the refreshed name: its folded and sort columns follow.
		if got.NameFold != models.ParticipantNameFold("Bodil  Krag") || got.SortKey != models.ParticipantSortKey("Bodil  Krag") {
			t.Errorf("the search columns did not follow the refreshed name: %q", got.NameFold)
		}
		var es []models.AuditEntry
		db.Where("participant_id = ? AND action = ?", p.ID, models.AuditParticipantChanged).Find(&es)
		if len(es) != 1 || strings.Contains(es[0].Detail, "Bodil") || strings.Contains(es[0].Detail, "Person 1") ||
			!strings.Contains(es[0].Detail, "name, protected_address, digital_post_exempt") {
			t.Fatalf("audit %+v", es)
		}
		// No name from the register, the protection lifted, no exemption:
		// the name stays, the protection goes, the exemption stays (it may
		// be Digital Post's refusal or the staff's).
		changed, err = store.RefreshFromRegister(ctx, db, p.ID, store.RegisterFacts{}, "x", now)
		if err != nil || !slices.Equal(changed, []string{"protected_address"}) {
			t.Fatalf("changed %v, %v", changed, err)
		}
		got = models.Participant{}
		db.First(&got, p.ID)
		if got.Name != "Bodil  Krag" || got.ProtectedAddress || !got.DigitalPostExempt {
			t.Errorf("after the second refresh: %q %t %t", got.Name, got.ProtectedAddress, got.DigitalPostExempt)
		}
		// The same again: nothing changes, nothing is audited.
		changed, err = store.RefreshFromRegister(ctx, db, p.ID, store.RegisterFacts{Name: "Bodil  Krag"}, "x", now)
		if err != nil || len(changed) != 0 {
			t.Fatalf("unchanged: %v, %v", changed, err)
		}
		if n := count(t, db.Model(&models.AuditEntry{}).Where("participant_id = ? AND action = ?", p.ID, models.AuditParticipantChanged)); n != 2 {
			t.Errorf("%d change entries, want 2", n)
		}
		// The other person is untouched; an unknown one is not found.
		var other models.Participant
		db.First(&other, seed.People[1].ID)
		if other.Name != seed.People[1].Name || other.ProtectedAddress {
			t.Errorf("another person changed: %q", other.Name)
		}
		if _, err := store.RefreshFromRegister(ctx, db, 999999, store.RegisterFacts{Name: "X"}, "x", now); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("unknown person: %v", err)
		}
	})
}
