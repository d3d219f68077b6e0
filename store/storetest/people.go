package storetest

import (
	"fmt"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/vault"
)

// Crowd is a large number of people seeded for the participants search's
// tests and benchmarks; person i has the CPR number CrowdCPR(i), the
// mobile number CrowdMobile(i) and the name CrowdName(i).
type Crowd struct {
	N int
	// Needle is the one person named NeedleName.
	Needle     int
	NeedleName string
	IDs        []int64
}

var crowdFirst = []string{"Anna", "Bo", "Carl", "Dorte", "Emil", "Freja", "Gustav", "Hanne", "Ida", "Jens", "Karen", "Lars",
	"Mette", "Niels", "Ole", "Pia", "Rasmus", "Sofie", "Søren", "Tove", "Ulla", "Vagn", "Yrsa", "Åse", "Ærling", "Øjvind"}

var crowdLast = []string{"Hansen", "Jensen", "Nielsen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
	"Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Poulsen", "Johansen", "Møller",
	"Mortensen", "Østergaard", "Ågesen", "Aagaard", "Ærtebjerg", "Zander", "Bækgaard", "Kjær", "Dahl", "Holm", "Skov", "Lund"}

// CrowdName is person i's name: 780 first and last name pairs, repeated.
func CrowdName(i int) string {
	return crowdFirst[i%len(crowdFirst)] + " " + crowdLast[(i/len(crowdFirst))%len(crowdLast)]
}

// CrowdCPR is person i's CPR number (the 1 January of 1950-1999, sequence
// 0000-9999: 500,000 numbers).
func CrowdCPR(i int) string { return fmt.Sprintf("0101%02d%04d", 50+i/10000%50, i%10000) }

// CrowdMobile is person i's mobile number in E.164.
func CrowdMobile(i int) string { return fmt.Sprintf("+4530%06d", i) }

// SeedCrowd creates n people, in a database opened WithKeys, each on the
// list of parties[i % len(parties)], with CPR number, mobile number and
// e-mail encrypted and indexed as registration stores them; the person
// n/2 is named "Xenia Ørskov-Unik". Batched inserts in one transaction:
// 20,000 people take a few seconds.
func SeedCrowd(t testing.TB, db *gorm.DB, keys *vault.Keyring, n int, parties []int64) Crowd {
	t.Helper()
	now := time.Now().UTC()
	c := Crowd{N: n, Needle: n / 2, NeedleName: "Xenia Ørskov-Unik", IDs: make([]int64, n)}
	err := db.Transaction(func(tx *gorm.DB) error {
		// 100 rows a statement: the SQLite driver binds parameters in time
		// quadratic in their number (1,000 rows took 7 s of 14 at 50,000).
		const batch = 100
		for start := 0; start < n; start += batch {
			ps := make([]models.Participant, 0, batch)
			for i := start; i < min(n, start+batch); i++ {
				cpr, _ := models.ParseCPR(CrowdCPR(i))
				mobile, email := CrowdMobile(i), fmt.Sprintf("person%d@example.dk", i)
				mi, ei := store.MobileIndex(keys, mobile), store.EmailIndex(keys, email)
				name := CrowdName(i)
				if i == c.Needle {
					name = c.NeedleName
				}
				ps = append(ps, models.Participant{CPR: models.NewSecret(cpr.Digits()), CPRIndex: store.CPRIndex(keys, cpr), Name: name,
					Mobile: models.NewSecret(mobile), MobileIndex: &mi, Email: models.NewSecret(email), EmailIndex: &ei,
					CreatedAt: now, UpdatedAt: now})
			}
			if err := tx.Create(&ps).Error; err != nil {
				return err
			}
			ms := make([]models.PartyMembership, len(ps))
			for j, p := range ps {
				c.IDs[start+j] = p.ID
				// The registering party typed the same: its membership holds it.
				ms[j] = models.PartyMembership{ParticipantID: p.ID, PartyID: parties[(start+j)%len(parties)], CreatedAt: now,
					Mobile: p.Mobile, MobileIndex: p.MobileIndex, Email: p.Email, EmailIndex: p.EmailIndex}
			}
			if err := tx.Create(&ms).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if DialectIsPostgres(db) {
		// What autovacuum does after a bulk load: statistics for the
		// planner and the visibility map for index-only scans.
		db.Exec("VACUUM ANALYZE participants")
		db.Exec("VACUUM ANALYZE party_memberships")
	}
	return c
}

// DialectIsPostgres tells the databases apart (VACUUM ANALYZE after a bulk
// load is PostgreSQL's; SQLite plans well without statistics).
func DialectIsPostgres(db *gorm.DB) bool { return store.DialectOf(db) == store.Postgres }
