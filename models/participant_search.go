package models

import (
	"encoding/hex"
	"strings"
	"sync"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"
)

// ParticipantPageSize is how many people one page of the participants list
// shows.
const ParticipantPageSize = 50

// ParticipantQuery is what the participants list is asked: a search text
// and filters, all optional, and the page (from 1).
type ParticipantQuery struct {
	// Q is a name (or part of one), a full CPR number (10 digits, with or
	// without the dash), a phone number or an e-mail address.
	Q          string
	PartyID    int64           // on this party's list
	ElectionID int64           // has an assignment in this election
	State      AssignmentState // an assignment in this state (in ElectionID, if given)
	PoolID     int64           // on this pool's list
	Page       int
}

// SearchKind is how the search text was understood.
type SearchKind string

const (
	SearchNone  SearchKind = ""
	SearchName  SearchKind = "name"
	SearchCPR   SearchKind = "cpr"
	SearchPhone SearchKind = "phone"
	SearchEmail SearchKind = "email"
)

// ParticipantPage is one page of the participants list in Danish order by
// name. Rows hold only the id, name and (encrypted until read) CPR number:
// only the page's rows are read and decrypted.
type ParticipantPage struct {
	Query ParticipantQuery // as applied: a party secretary's narrowed to their party
	Kind  SearchKind
	Rows  []Participant
	Total int // people matching, on every page
	Page  int // from 1
	Pages int // at least 1
}

// ParticipantNameFold is a name as the search compares it: NFC and lower
// case, so "ø" finds "Ø" (Unicode case mapping, not only ASCII as SQLite's
// LIKE would). "aa" is not made "å": a search for "Aagaard" finds Aagaard.
func ParticipantNameFold(name string) string {
	return strings.ToLower(norm.NFC.String(name))
}

var danishCollators = sync.Pool{New: func() any { return collate.New(language.Danish) }}

// ParticipantSortKey is a name's Danish collation key (the order of
// SortDanish: … Z, Æ, Ø, Å, "Aa" as "Å"), hex-encoded.
//
// Why a stored key: the databases cannot sort Danish themselves. SQLite
// compares bytes (Æ Ø Å would come in Unicode order Å Æ Ø) and PostgreSQL
// sorts by the database's collation, which is C.UTF-8 here and rarely
// da_DK where it runs; an ICU collation would exist only on PostgreSQL.
// A key computed in Go by the same collator as SortDanish orders SQL rows
// exactly as SortDanish orders them in Go, and an index on (sort_key, id)
// lets the first page be read without sorting everyone. Hex (0-9a-f) sorts
// the same in every collation, so the byte order of the key survives any
// database collation.
func ParticipantSortKey(name string) string {
	c := danishCollators.Get().(*collate.Collator)
	defer danishCollators.Put(c)
	var buf collate.Buffer
	return hex.EncodeToString(c.KeyFromString(&buf, name))
}

// BeforeSave keeps NameFold and SortKey with Name when a participant is
// created or saved as a whole.
func (p *Participant) BeforeSave(tx *gorm.DB) error {
	if p.Name != "" {
		p.NameFold, p.SortKey = ParticipantNameFold(p.Name), ParticipantSortKey(p.Name)
	}
	return nil
}

// BeforeUpdate keeps NameFold and SortKey with Name when the name is
// changed by Update("name", …) or Updates(map or struct).
func (p *Participant) BeforeUpdate(tx *gorm.DB) error {
	var name string
	switch d := tx.Statement.Dest.(type) {
	case map[string]any:
		v, ok := d["name"]
		if !ok {
			v = d["Name"]
		}
		name, _ = v.(string)
	case *Participant:
		if d == p {
			return nil // Save: BeforeSave has set the fields
		}
		name = d.Name
	case Participant:
		name = d.Name
	}
	if name != "" && tx.Statement.Changed("Name") {
		tx.Statement.SetColumn("NameFold", ParticipantNameFold(name))
		tx.Statement.SetColumn("SortKey", ParticipantSortKey(name))
	}
	return nil
}

// ParticipantFilters are the choices the participants list offers: the
// parties and pools actor may filter by (a party secretary only their
// own party, no pools) and the elections.
type ParticipantFilters struct {
	Parties   []Party
	Pools     []Party
	Elections []Election
	States    []AssignmentState
}
