package store

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/vault"
)

// The participants search (issue 18). A search text is understood as a
// full CPR number, a phone number, an e-mail address or (otherwise) a
// name; the first three are found through their blind indexes, a name by a
// substring of the lower-cased name (name_fold). Filters narrow by list
// membership (party, pool) and by assignment (election, state). Rows come
// in Danish order by name through the stored collation key (sort_key; see
// models.ParticipantSortKey), paged by offset: the page number is what the
// page links carry, and with the (sort_key, id) index the first pages cost
// no sort of everyone. Only the page's rows are read and decrypted.

// EmailIndex is the blind index of an e-mail address, lower-cased and
// trimmed: the search finds "Aase@Example.dk" by "aase@example.dk".
func EmailIndex(keys *vault.Keyring, email string) string {
	return keys.BlindIndex("email", []byte(strings.ToLower(strings.TrimSpace(email))))
}

// emailIndexOf is the stored index of an e-mail address, nil for none.
func emailIndexOf(keys *vault.Keyring, email string) *string {
	if strings.TrimSpace(email) == "" {
		return nil
	}
	i := EmailIndex(keys, email)
	return &i
}

// searchText is a search text understood: its kind and what to look for
// (a blind index, or the name's lower-cased words).
type searchText struct {
	kind  models.SearchKind
	index string
	words []string
}

// parseSearch understands q: ten digits (with or without the dash) are a
// CPR number; an "@" an e-mail address; other digits (with +, spaces or
// dashes) a phone number, normalised as registration does; anything else
// a name. keys may be nil when q is empty or a name.
func parseSearch(keys *vault.Keyring, q string) (searchText, error) {
	q = strings.TrimSpace(q)
	switch {
	case q == "":
		return searchText{}, nil
	case strings.Contains(q, "@"):
		if keys == nil {
			return searchText{}, errNoKeys
		}
		return searchText{kind: models.SearchEmail, index: EmailIndex(keys, q)}, nil
	case strings.Trim(q, "0123456789+- ") == "":
		compact := strings.ReplaceAll(q, " ", "")
		if !strings.HasPrefix(compact, "+") && len(strings.ReplaceAll(compact, "-", "")) == 10 {
			c, err := models.ParseCPR(compact)
			if err != nil {
				return searchText{}, models.RefuseField("q", "error.search.cpr")
			}
			if keys == nil {
				return searchText{}, errNoKeys
			}
			return searchText{kind: models.SearchCPR, index: CPRIndex(keys, c)}, nil
		}
		in := NewParticipant{Mobile: q}
		if err := checkContact(&in); err != nil || in.Mobile == "" {
			return searchText{}, models.RefuseField("q", "error.search.phone")
		}
		if keys == nil {
			return searchText{}, errNoKeys
		}
		return searchText{kind: models.SearchPhone, index: MobileIndex(keys, in.Mobile)}, nil
	}
	if !models.CleanText(q) {
		return searchText{}, models.RefuseField("q", "error.search.badtext")
	}
	if len(q) > 200 {
		return searchText{}, models.RefuseField("q", "error.search.long")
	}
	return searchText{kind: models.SearchName, words: strings.Fields(models.ParticipantNameFold(q))}, nil
}

var errNoKeys = models.Refuse("error.search.nokeys")

// likeEscaper escapes LIKE's wildcards: "50%" is searched as it is typed.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// validState: a state filter names one of the lifecycle's states.
func validState(s models.AssignmentState) bool {
	switch s {
	case "", models.StateNominated, models.StateInvited, models.StateConfirmed, models.StateDeclined, models.StateExpired,
		models.StateCancelled, models.StateRemoved, models.StateCompleted, models.StateNoShow:
		return true
	}
	return false
}

// idKey is a match of a name search: its id and Danish sort key.
type idKey struct {
	ID      int64
	SortKey string
}

// SearchParticipants answers the participants list for actor: one page of
// the people matching q, in Danish order by name, and how many match.
//
// A party secretary searches their own party's people only: every filter
// is narrowed to their party, and a filter naming another party or a pool
// finds no one (exactly as a search without results: no other answer
// tells that the party or pool exists). A search by CPR number is for
// staff only (models.ErrForbidden is not used: the refusal says why) and
// is written to the audit log as a lookup, by the number's blind index,
// never the number. Staff with a party filter and an election or state
// see that party's assignments: the filters name one list's work.
func SearchParticipants(ctx context.Context, db *gorm.DB, keys *vault.Keyring, actor models.User, q models.ParticipantQuery, now time.Time) (models.ParticipantPage, error) {
	db = db.WithContext(ctx)
	page := models.ParticipantPage{Query: q, Page: 1, Pages: 1}
	if q.Page > 1 {
		page.Page = q.Page
	}
	page.Query.Page = page.Page
	if !validState(q.State) {
		return page, models.RefuseField("state", "error.search.state")
	}
	secretary := actor.Role == models.RolePartySecretary
	if !secretary && !mayReadAllParties(actor) {
		return page, models.ErrForbidden
	}
	text, err := parseSearch(keys, q.Q)
	if err != nil {
		return page, err
	}
	page.Kind = text.kind
	if text.kind == models.SearchCPR && secretary {
		return page, models.RefuseField("q", "error.search.cprstaff")
	}
	if secretary {
		if actor.PartyID == nil {
			return page, nil
		}
		own := *actor.PartyID
		if (q.PartyID != 0 && q.PartyID != own) || (q.PoolID != 0 && q.PoolID != own) {
			return page, nil // nothing, as a search without results
		}
		page.Query.PartyID = own
	}
	// assigned is the assignment filter's subquery of participant ids,
	// nil without one.
	var assigned *gorm.DB
	if q.ElectionID != 0 || q.State != "" {
		assigned = db.Table("assignments a").Select("a.participant_id")
		if q.ElectionID != 0 {
			assigned = assigned.Where("a.election_id = ?", q.ElectionID)
		}
		if q.State != "" {
			assigned = assigned.Where("a.state = ?", q.State)
		}
		if page.Query.PartyID != 0 {
			assigned = assigned.Where("a.party_id = ?", page.Query.PartyID)
		}
	}
	var lists []int64
	for _, list := range []int64{page.Query.PartyID, page.Query.PoolID} {
		if list != 0 {
			lists = append(lists, list)
		}
	}
	// filtered is the people matching, for the page's ids: the list
	// filters as EXISTS, so the databases walk the sort index in order and
	// stop at the page's end (a party's first page at 50,000 people:
	// about 400 index entries, not the list's 6,250 rows and a sort).
	filtered := func() *gorm.DB {
		tx := db.Model(&models.Participant{})
		switch text.kind {
		case models.SearchName:
			for _, w := range text.words {
				tx = tx.Where(`name_fold LIKE ? ESCAPE '\'`, "%"+likeEscaper.Replace(w)+"%")
			}
		case models.SearchCPR:
			tx = tx.Where("cpr_index = ?", text.index)
		case models.SearchPhone, models.SearchEmail:
			column := map[models.SearchKind]string{models.SearchPhone: "mobile_index", models.SearchEmail: "email_index"}[text.kind]
			if secretary {
				// A party finds a person by what it typed itself, never by
				// what the person or another party gave.
				// IN, not a correlated EXISTS: SQLite would walk everyone in
				// the sort order and probe each (50 ms at 50,000 people).
				tx = tx.Where("id IN (SELECT participant_id FROM party_memberships WHERE "+column+" = ? AND party_id = ?)",
					text.index, page.Query.PartyID)
			} else {
				// Staff: by the person's own or any party's; a UNION of two
				// index lookups (an OR would scan).
				tx = tx.Where("id IN (SELECT id FROM participants WHERE "+column+" = ? UNION SELECT participant_id FROM party_memberships WHERE "+
					column+" = ?)", text.index, text.index)
			}
		}
		for _, list := range lists {
			tx = tx.Where("EXISTS (SELECT 1 FROM party_memberships m WHERE m.participant_id = participants.id AND m.party_id = ?)", list)
		}
		if assigned != nil {
			tx = tx.Where("id IN (?)", assigned)
		}
		return tx
	}
	// counted counts them. With a list filter and no search text, the
	// list's index alone (party_memberships_list) has the count: every
	// membership is of a person who exists.
	counted := func() *gorm.DB {
		if text.kind != models.SearchNone || len(lists) == 0 {
			return filtered()
		}
		tx := db.Model(&models.PartyMembership{}).Where("party_id = ?", lists[0])
		for _, list := range lists[1:] {
			tx = tx.Where("participant_id IN (SELECT participant_id FROM party_memberships WHERE party_id = ?)", list)
		}
		if assigned != nil {
			tx = tx.Where("participant_id IN (?)", assigned)
		}
		return tx
	}

	// Two steps: the page's ids (from the index alone where it can), then
	// only those rows, decrypted. A name search reads every match's id and
	// sort key and orders them here: LIKE '%…%' can use no index, and
	// walking the sort index in order to find a rare name visits everyone
	// (measured: 400 ms at 50,000 people on SQLite, against 20 ms).
	offset := (page.Page - 1) * models.ParticipantPageSize
	var ids []int64
	if text.kind == models.SearchName {
		// rows.Scan, not gorm's reflecting Scan: thousands of matches.
		rows, err := filtered().Select("id", "sort_key").Rows()
		if err != nil {
			return page, err
		}
		var all []idKey
		for rows.Next() {
			var r idKey
			if err := rows.Scan(&r.ID, &r.SortKey); err != nil {
				rows.Close()
				return page, err
			}
			all = append(all, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return page, err
		}
		slices.SortFunc(all, func(a, b idKey) int {
			return cmp.Or(strings.Compare(a.SortKey, b.SortKey), cmp.Compare(a.ID, b.ID))
		})
		page.Total = len(all)
		for _, r := range all[min(offset, len(all)):min(offset+models.ParticipantPageSize, len(all))] {
			ids = append(ids, r.ID)
		}
	} else {
		if err := filtered().Order("sort_key, id").Limit(models.ParticipantPageSize).Offset(offset).Pluck("id", &ids).Error; err != nil {
			return page, err
		}
		if page.Page == 1 && len(ids) < models.ParticipantPageSize {
			page.Total = len(ids) // everyone is on the first page: no count
		} else {
			var n int64
			if err := counted().Count(&n).Error; err != nil {
				return page, err
			}
			page.Total = int(n)
		}
	}
	if len(ids) > 0 {
		if err := db.Select("id", "name", "cpr", "protected_address").Where("id IN ?", ids).Find(&page.Rows).Error; err != nil {
			return page, err
		}
		at := make(map[int64]int, len(ids))
		for i, id := range ids {
			at[id] = i
		}
		slices.SortFunc(page.Rows, func(a, b models.Participant) int { return at[a.ID] - at[b.ID] })
	}
	page.Pages = max(1, (page.Total+models.ParticipantPageSize-1)/models.ParticipantPageSize)
	if page.Total == 0 {
		page.Page, page.Query.Page = 1, 1
	} else if page.Page > page.Pages {
		// Past the end (a bookmarked page of a list that shrank): the last.
		q.Page = page.Pages
		return SearchParticipants(ctx, db, keys, actor, q, now)
	}
	if text.kind == models.SearchCPR {
		e := models.AuditEntry{At: now, ActorID: &actor.ID, Action: models.AuditCPRLookup, SubjectIndex: &text.index,
			Detail: "participants search"}
		if len(page.Rows) == 1 {
			e.ParticipantID = &page.Rows[0].ID
		}
		if err := Audit(db, e); err != nil {
			return page, err
		}
	}
	return page, nil
}

// BackfillParticipantSearch fills the search columns of the people stored
// before migration 27 (name_fold, sort_key and email_index are otherwise
// written with every name and e-mail): the rows whose sort_key is empty,
// in batches. It needs db opened with the keyring keys (the e-mail is
// decrypted to index it) and does nothing once every row is filled, so it
// runs on every start-up. It reports how many rows it filled.
func BackfillParticipantSearch(ctx context.Context, db *gorm.DB, keys *vault.Keyring) (int, error) {
	db = db.WithContext(ctx)
	done := 0
	for {
		var ps []models.Participant
		if err := db.Select("id", "name", "email").Where("sort_key = ''").Order("id").Limit(500).Find(&ps).Error; err != nil {
			return done, err
		}
		if len(ps) == 0 {
			return done, nil
		}
		err := db.Transaction(func(tx *gorm.DB) error {
			for _, p := range ps {
				// A name is required; a row without one still gets a key,
				// so the loop ends.
				key := models.ParticipantSortKey(p.Name)
				if key == "" {
					key = "-"
				}
				if err := tx.Model(&models.Participant{}).Where("id = ?", p.ID).UpdateColumns(map[string]any{
					"name_fold": models.ParticipantNameFold(p.Name), "sort_key": key,
					"email_index": emailIndexOf(keys, p.Email.Reveal())}).Error; err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return done, err
		}
		done += len(ps)
	}
}
