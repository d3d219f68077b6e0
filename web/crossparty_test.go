package web_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/web"
)

// partyParams are the path parameters other than ids, set to a value the
// route accepts, so that the id is what is tried.
var partyParams = strings.NewReplacer(":format", "csv", ":kind", "invitation", ":channel", "email", ":signal", "pause")

// A party secretary of A walks every route open to party secretaries with
// the real ids of everything in the database — B's people, assignments,
// slots, reserves, memberships, and B itself — in the path, in every form
// field that names an object and in every filter of the query. No answer
// shows anything of B's people, and none of B's data changes.
func TestAnotherPartysObjectsByRealIds(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), false)
	p := planLists(t, f)
	v := p.partyV
	// What of V's people A must never see: names and contact data.
	secrets := []string{"Vagn Vestergaard", "Viggo Vind", "Åse Holm", "Øster Hansen"}
	for _, i := range []int{0, 4} { // Åse Holm's and Øster Hansen's, see planLists
		secrets = append(secrets, fmt.Sprintf("p%d@example.dk", i), fmt.Sprintf("+452030405%d", i), fmt.Sprintf("2030405%d", i))
	}
	// V's memberships and a reserve place, so that those ids exist too.
	var vPeople []models.Participant
	f.db.Where("name IN ?", secrets[:4]).Find(&vPeople)
	for _, person := range vPeople {
		f.db.Create(&models.PartyMembership{ParticipantID: person.ID, PartyID: v.ID, CreatedAt: now})
	}
	f.db.Create(&models.Reserve{ElectionID: p.election.ID, PartyID: v.ID, ParticipantID: vPeople[0].ID, CreatedAt: now})

	before := partyData(t, f, v.ID)
	ids := realIDs(t, f)
	sec := f.loggedIn(t, models.RolePartySecretary)
	csrf := sec.csrf()
	field := regexp.MustCompile(`(^|_)(id|ids)$`)
	tried := 0
	check := func(rec *httptest.ResponseRecorder, method, target string) {
		tried++
		body := rec.Body.String()
		for _, s := range secrets {
			if strings.Contains(body, s) {
				t.Errorf("%s %s: %d answer shows %q of party V", method, target, rec.Code, s)
			}
		}
	}
	for _, r := range web.Routes() {
		if !allowed[r.Access][models.RolePartySecretary] || r.Access == "public" || r.Path == "/logout" {
			continue
		}
		for _, id := range ids {
			target := partyParams.Replace(strings.ReplaceAll(r.Path, ":id", id))
			q := url.Values{}
			for _, k := range []string{"parti", "valg", "valgsted", "opgavetype", "opgave", "deltager", "besked"} {
				q.Set(k, id)
			}
			var rec *httptest.ResponseRecorder
			switch {
			case r.Method == http.MethodGet:
				// The id in the path alone, then in every filter too.
				check(sec.do(r.Method, target, nil), r.Method, target)
				target += "?" + q.Encode()
				rec = sec.do(r.Method, target, nil)
			case strings.HasPrefix(r.Path, "/api/"):
				body := map[string]any{}
				for _, k := range []string{"party_id", "participant_id", "assignment_id", "slot_id", "station_id", "reserve_id", "election_id", "id"} {
					body[k] = id
				}
				rec = apiRequest(sec, r.Method, target, body, csrf)
			default:
				form := url.Values{"csrf_token": {csrf}}
				for _, k := range formFields {
					if field.MatchString(k) || k == "participant" || k == "station" || k == "party" {
						form.Add(k, id)
					}
				}
				rec = sec.do(r.Method, target, form)
			}
			check(rec, r.Method, target)
		}
	}
	if tried < 200 {
		t.Fatalf("only %d requests tried", tried)
	}
	if after := partyData(t, f, v.ID); after != before {
		t.Errorf("party V's data changed under A's requests:\nbefore %s\nafter  %s", before, after)
	}
}

// formFields are the form fields the pages read that name objects.
var formFields = []string{"id", "participant_id", "assignment_id", "slot_id", "station_id", "party_id", "reserve_id",
	"election_id", "participant", "station", "party", "target"}

// realIDs are every id in the tables that hold a party's objects, and the
// tables they name, as strings, once each.
func realIDs(t *testing.T, f *fixture) []string {
	t.Helper()
	var all []int64
	for _, table := range []string{"participants", "assignments", "slots", "reserves", "parties", "elections", "polling_stations", "task_types", "users", "messages"} {
		var ids []int64
		if err := f.db.Table(table).Pluck("id", &ids).Error; err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		all = append(all, ids...)
	}
	slices.Sort(all)
	all = slices.Compact(all)
	out := make([]string, len(all))
	for i, id := range all {
		out[i] = itoa(id)
	}
	return out
}

// partyData is party's rows, printed: what A's requests must leave alone.
func partyData(t *testing.T, f *fixture, party int64) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		"SELECT id, slot_id, participant_id, state, updated_at FROM assignments WHERE party_id = ? ORDER BY id",
		"SELECT id, participant_id, station_id FROM reserves WHERE party_id = ? ORDER BY id",
		"SELECT participant_id FROM party_memberships WHERE party_id = ? ORDER BY participant_id",
		"SELECT id, station_id, task_type_id FROM slots WHERE party_id = ? ORDER BY id",
		"SELECT p.id, p.name, p.mobile, p.email, p.updated_at FROM participants p WHERE p.id IN (SELECT participant_id FROM assignments WHERE party_id = ?) ORDER BY p.id",
	} {
		var rows []map[string]any
		if err := f.db.Raw(q, party).Scan(&rows).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		fmt.Fprintln(&b, rows)
	}
	return b.String()
}

// apiRequest sends a JSON body with the session's cookies and CSRF header.
func apiRequest(b *browser, method, target string, body map[string]any, csrf string) *httptest.ResponseRecorder {
	var buf bytes.Buffer
	fmt.Fprint(&buf, "{")
	first := true
	for k, v := range body {
		if !first {
			buf.WriteString(",")
		}
		first = false
		fmt.Fprintf(&buf, "%q:%s", k, v)
	}
	buf.WriteString("}")
	req := httptest.NewRequest(method, target, &buf)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", csrf)
	req.RemoteAddr = b.addr
	for _, c := range b.cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	b.app.ServeHTTP(rec, req)
	return rec
}
