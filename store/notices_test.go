package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

// A slot whose lifecycle ended without a confirmation is reported to the
// staff and to the party's own secretaries, never to another party's; a
// person from the reserve list takes it when the election replaces
// automatically.
func TestReopenedSlotsAreToldToTheirPartyOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		storetest.WithKeys(t, db)
		day := models.DateOf(time.Now().In(models.Copenhagen)).AddDays(30)
		e := storetest.SeedElection(t, db, day, 1, 2, 3)
		a := storetest.Nominate(t, db, e.Slots[0], e.People[0].ID)
		db.Create(&models.Reserve{ElectionID: e.Election.ID, PartyID: e.Party.ID, ParticipantID: e.People[2].ID, CreatedAt: time.Now()})
		now := time.Now().UTC()
		if err := store.RecordTransition(ctx, db, a.ID, models.StateDeclined, models.DeclineNotThisTime, "link", now); err != nil {
			t.Fatal(err)
		}
		r, err := store.ReopenSlot(ctx, db, a.ID, now)
		if err != nil || r.Next == nil || r.Next.ParticipantID != e.People[2].ID {
			t.Fatalf("reopen: %+v, %v; want the reserve on the slot", r.Next, err)
		}
		again, err := store.ReopenSlot(ctx, db, a.ID, now)
		if err != nil || again.Next == nil || again.Next.ID != r.Next.ID {
			t.Fatalf("reopening again made another replacement: %+v, %v", again.Next, err)
		}

		list, err := store.ReopenedSlots(ctx, db, e.Staff, e.Election.ID, 10)
		if err != nil || len(list) != 1 || !list[0].Refilled || list[0].State != models.StateDeclined || list[0].Station != "Skole 1" {
			t.Fatalf("staff see %+v, %v", list, err)
		}
		own := models.User{ID: e.Staff.ID, Role: models.RolePartySecretary, PartyID: &e.Party.ID}
		if list, _ := store.ReopenedSlots(ctx, db, own, e.Election.ID, 10); len(list) != 1 {
			t.Fatalf("the party's secretary sees %d reopened slots, want 1", len(list))
		}
		other := models.User{ID: e.Staff.ID, Role: models.RolePartySecretary, PartyID: &e.Pool.ID}
		if list, _ := store.ReopenedSlots(ctx, db, other, e.Election.ID, 10); len(list) != 0 {
			t.Fatalf("another party's secretary sees %+v", list)
		}

		// The assignment page: staff and the party's secretary see the
		// person's name; another party's secretary finds nothing there.
		if _, name, err := store.AssignmentFor(ctx, db, own, a.ID); err != nil || name != e.People[0].Name {
			t.Fatalf("own secretary: %q, %v", name, err)
		}
		if _, name, err := store.AssignmentFor(ctx, db, other, a.ID); !errors.Is(err, models.ErrNotFound) || name != "" {
			t.Fatalf("another party's secretary: %q, %v; want not found", name, err)
		}
	})
}
