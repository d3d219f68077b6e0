package site

import (
	"strconv"
	"strings"

	"github.com/valghalla/valghalla/models"
)

// ParticipantQueryOf reads the participants search by the parameter names
// of the page or the API: q, then party, pool, election, state and page.
// A number that is not one is refused at its field.
func ParticipantQueryOf(get func(string) string, party, pool, election, state, page string) (models.ParticipantQuery, error) {
	q := models.ParticipantQuery{Q: get("q"), State: models.AssignmentState(get(state)), Page: 1}
	for _, f := range []struct {
		name string
		to   *int64
	}{{party, &q.PartyID}, {pool, &q.PoolID}, {election, &q.ElectionID}} {
		if x := get(f.name); x != "" {
			n, err := strconv.ParseInt(x, 10, 64)
			if err != nil || n < 0 {
				return q, models.RefuseField(f.name, "error.search.filter")
			}
			*f.to = n
		}
	}
	if x := get(page); x != "" {
		n, err := strconv.Atoi(x)
		if err != nil || n < 1 {
			return q, models.RefuseField(page, "error.search.page")
		}
		q.Page = n
	}
	return q, nil
}

// CPRShaped tells whether a search text is a CPR number (ten digits, with
// spaces or a dash anywhere): such a search travels in a POST body, never
// in an address, which browsers keep in their history and proxies in
// their logs.
func CPRShaped(q string) bool {
	digits := 0
	for _, r := range q {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == ' ' || r == '-':
		default:
			return false
		}
	}
	return digits == 10 && strings.TrimSpace(q) != ""
}
