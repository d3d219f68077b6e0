package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
)

// DemoLogin is the staff login `valghalla dev` seeds and prints. It exists
// only in the dev data folder, which serves 127.0.0.1 alone.
const (
	DemoEmail    = "valgsekretariat@sondera.example"
	DemoPassword = "valghalla-demo"
)

// SeedDemo fills an empty database with a fictitious municipality: areas,
// polling stations, the council of DOMAIN.md's worked example, the usual task
// types, one upcoming election and a staff login. It reports whether it
// seeded; a database that already has a municipality is left alone.
func SeedDemo(ctx context.Context, db *gorm.DB, now time.Time) (bool, error) {
	seeded := false
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&models.Municipality{}).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		seeded = true
		return seedDemo(tx, now)
	})
	return seeded, err
}

func seedDemo(tx *gorm.DB, now time.Time) error {
	create := func(v any) error { return tx.Create(v).Error }

	if err := create(&models.Municipality{Code: "0999", Name: "Sønderå Kommune", CVR: "12345674", CreatedAt: now}); err != nil {
		return err
	}
	areas := []models.Area{{Name: "Midtby"}, {Name: "Nord"}, {Name: "Syd"}}
	if err := create(&areas); err != nil {
		return err
	}
	midt, nord, syd := areas[0].ID, areas[1].ID, areas[2].ID
	stations := []models.PollingStation{
		{AreaID: midt, Name: "Sønderå Rådhus", Address: "Torvet 1", PostalCode: "9990", City: "Sønderå", District: 1},
		{AreaID: midt, Name: "Åbyskolen", Address: "Skolevej 12", PostalCode: "9990", City: "Sønderå", District: 2},
		{AreaID: midt, Name: "Kulturhuset Æblehaven", Address: "Æblehaven 3", PostalCode: "9990", City: "Sønderå", District: 3},
		{AreaID: nord, Name: "Nørre Hallen", Address: "Idrætsvej 40", PostalCode: "9991", City: "Nørre Sønderå", District: 4},
		{AreaID: nord, Name: "Østerby Forsamlingshus", Address: "Bygaden 7", PostalCode: "9992", City: "Østerby", District: 5},
		{AreaID: syd, Name: "Sydskolen", Address: "Ørnevej 2", PostalCode: "9993", City: "Sønderå Syd", District: 6},
		{AreaID: syd, Name: "Havnens Pakhus", Address: "Havnegade 19", PostalCode: "9993", City: "Sønderå Syd", District: 7},
	}
	if err := create(&stations); err != nil {
		return err
	}
	parties := []models.Party{
		{Name: "Socialdemokratiet", Letter: "A", Kind: models.CouncilGroup, CouncilSeats: 11},
		{Name: "Venstre", Letter: "V", Kind: models.CouncilGroup, CouncilSeats: 8},
		{Name: "SF", Letter: "F", Kind: models.CouncilGroup, CouncilSeats: 4},
		{Name: "Enhedslisten", Letter: "Ø", Kind: models.CouncilGroup, CouncilSeats: 3},
		{Name: "Det Konservative Folkeparti", Letter: "C", Kind: models.CouncilGroup, CouncilSeats: 3},
		{Name: "Dansk Folkeparti", Letter: "O", Kind: models.CouncilGroup, CouncilSeats: 2},
		{Name: "Frivillige", Kind: models.Pool},
		{Name: "Medarbejdere", Kind: models.Pool},
	}
	if err := create(&parties); err != nil {
		return err
	}
	taskTypes := []models.TaskType{
		{Name: "Tilforordnet", ShortName: "TF", StartTime: "07:00", EndTime: "23:59", AllowanceKr: 1320, Validation: true, Reminders: true,
			Description: "Hjælper på valgstedet på valgdagen og ved optællingen."},
		{Name: "Valgstyrer", ShortName: "VS", StartTime: "07:00", EndTime: "23:59", AllowanceKr: 1320, AppointedOnly: true, Validation: true, Reminders: true,
			Description: "Valgt af kommunalbestyrelsen; leder afstemningen på valgstedet."},
		{Name: "Valgstyrerformand", ShortName: "VSF", StartTime: "07:00", EndTime: "23:59", AllowanceKr: 1320, AppointedOnly: true, Validation: true, Reminders: true,
			Description: "Formand for valgstyrerne på valgstedet."},
		{Name: "Valgsekretær", ShortName: "VSK", StartTime: "07:00", EndTime: "23:59", Reminders: true, Description: "Kommunens sekretær på valgstedet."},
		{Name: "Fintæller", ShortName: "FT", StartTime: "17:00", EndTime: "23:59", Reminders: true, Description: "Fintælling dagen efter valget."},
		{Name: "Brevstemmemodtager", ShortName: "BM", StartTime: "08:00", EndTime: "16:00", Validation: true, Reminders: true,
			Description: "Modtager brevstemmer i ugerne før valget."},
	}
	if err := create(&taskTypes); err != nil {
		return err
	}
	day := demoElectionDay(now)
	if err := create(&models.Election{Title: fmt.Sprintf("Folketingsvalg %d", day.Year), Kind: models.Folketingsvalg,
		ElectionDay: day, State: models.ElectionActive, CreatedAt: now, UpdatedAt: now}); err != nil {
		return err
	}
	hash, err := models.HashPassword(DemoPassword)
	if err != nil {
		return err
	}
	return create(&models.User{Email: DemoEmail, Name: "Valgsekretariatet (demo)", Role: models.RoleAdmin,
		PasswordHash: hash, CreatedAt: now})
}

// demoElectionDay is the first Tuesday at least eight weeks after now: far
// enough ahead for a recruitment round, on the weekday Danish elections use.
func demoElectionDay(now time.Time) models.Date {
	d := models.DateOf(now.In(models.Copenhagen)).AddDays(56)
	for d.In(time.UTC).Weekday() != time.Tuesday {
		d = d.AddDays(1)
	}
	return d
}

// demoQuotaSeed is the recorded seed of the demo election's lot.
const demoQuotaSeed = 2026

// SeedDemoPlan gives the demo election, when it has no slots yet, eight
// tilforordnede per polling station on the election day, shared among the
// council groups by d'Hondt, and two more for the volunteers' pool: enough
// to nominate and launch a round at once in `valghalla dev`. It adds the
// demo's two work locations, and staff slots at the counting hall: the
// postal-vote desk is set up but not used by this election. (Tests seed
// the demo without it and plan their own slots.)
func SeedDemoPlan(ctx context.Context, db *gorm.DB, now time.Time) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var e models.Election
		if err := tx.Order("id").First(&e).Error; err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&models.Slot{}).Where("election_id = ?", e.ID).Count(&n).Error; err != nil || n > 0 {
			return err
		}
		// The seed the lots below were drawn with, recorded like any plan's.
		if err := tx.Model(&e).Update("quota_seed", demoQuotaSeed).Error; err != nil {
			return err
		}
		if err := seedDemoWorkLocations(tx); err != nil {
			return err
		}
		var stations []models.PollingStation
		var parties []models.Party
		var tf models.TaskType
		if err := tx.Where("kind = ?", models.KindPollingStation).Order(stationOrder).Find(&stations).Error; err != nil {
			return err
		}
		if err := tx.Order("id").Find(&parties).Error; err != nil {
			return err
		}
		if err := tx.Where("short_name = ?", "TF").First(&tf).Error; err != nil {
			return err
		}
		if err := seedDemoSlots(tx, e, stations, parties, tf, now); err != nil {
			return err
		}
		return seedDemoCountingSlots(tx, e, now)
	})
}

// The demo's work locations: places where election work is done that are
// no polling stations, each with the task types done there.
var demoWorkLocations = []struct {
	name, address, taskType string
}{
	{"Brevstemmemodtagelse, Rådhuset", "Torvet 1", "BM"},
	{"Fintælling, Rådhushallen", "Torvet 3", "FT"},
}

// seedDemoWorkLocations adds the demo's work locations unless there are
// work locations already.
func seedDemoWorkLocations(tx *gorm.DB) error {
	var n int64
	if err := tx.Model(&models.PollingStation{}).Where("kind = ?", models.KindWorkLocation).Count(&n).Error; err != nil || n > 0 {
		return err
	}
	var area models.Area
	if err := tx.Order("id").First(&area).Error; err != nil {
		return err
	}
	for _, w := range demoWorkLocations {
		var tt models.TaskType
		if err := tx.Where("short_name = ?", w.taskType).First(&tt).Error; err != nil {
			return err
		}
		st := models.PollingStation{AreaID: area.ID, Kind: models.KindWorkLocation, Name: w.name, Address: w.address,
			PostalCode: "9990", City: "Sønderå", Version: 1, TaskTypeIDs: []int64{tt.ID}}
		if err := tx.Omit("District").Create(&st).Error; err != nil {
			return err
		}
		if err := saveStationTaskTypes(tx, st); err != nil {
			return err
		}
	}
	return nil
}

// seedDemoCountingSlots gives the counting hall four fintællere from the
// municipality's staff pool on the election day.
func seedDemoCountingSlots(tx *gorm.DB, e models.Election, now time.Time) error {
	var hall models.PollingStation
	var ft models.TaskType
	var staff models.Party
	if err := tx.Where("kind = ? AND name = ?", models.KindWorkLocation, demoWorkLocations[1].name).First(&hall).Error; err != nil {
		return err
	}
	if err := tx.Where("short_name = ?", "FT").First(&ft).Error; err != nil {
		return err
	}
	if err := tx.Where("kind = ?", models.Pool).Order("id DESC").First(&staff).Error; err != nil {
		return err
	}
	slots := make([]models.Slot, 4)
	for i := range slots {
		slots[i] = models.Slot{ElectionID: e.ID, StationID: hall.ID, TaskTypeID: ft.ID, Day: e.ElectionDay, PartyID: staff.ID, CreatedAt: now}
	}
	return tx.Create(&slots).Error
}

func seedDemoSlots(tx *gorm.DB, e models.Election, stations []models.PollingStation, parties []models.Party, tf models.TaskType, now time.Time) error {
	var groups []models.Contender
	byName := map[string]models.Party{}
	var pool models.Party
	for _, p := range parties {
		switch p.Kind {
		case models.CouncilGroup:
			groups = append(groups, models.Contender{Name: p.Letter, Seats: p.CouncilSeats})
			byName[p.Letter] = p
		case models.Pool:
			if pool.ID == 0 {
				pool = p
			}
		}
	}
	var slots []models.Slot
	for i, st := range stations {
		share, err := models.DHondt(8, groups, uint64(demoQuotaSeed+i))
		if err != nil {
			return err
		}
		add := func(partyID int64, n int) {
			for range n {
				slots = append(slots, models.Slot{ElectionID: e.ID, StationID: st.ID, TaskTypeID: tf.ID, Day: e.ElectionDay,
					PartyID: partyID, CreatedAt: now})
			}
		}
		for _, sh := range share.Allocation {
			add(byName[sh.Name].ID, sh.Seats)
		}
		add(pool.ID, 2)
	}
	return tx.Create(&slots).Error
}
