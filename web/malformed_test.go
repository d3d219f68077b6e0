package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/fakes/smsfake"
	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

// Malformed input at every public entry point gets a clear 4xx and changes
// nothing: every table's content is the same before and after.

// tableChecksums hashes the content of every table, row order aside.
func tableChecksums(t *testing.T, db *gorm.DB) map[string]string {
	t.Helper()
	tables, err := db.Migrator().GetTables()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, table := range tables {
		query := `SELECT * FROM "` + table + `"`
		// A request made with an API token is audited, refused or not.
		switch table {
		case "audit_log":
			query += ` WHERE action <> 'api_token.used'`
		case "sqlite_sequence":
			query += ` WHERE name <> 'audit_log'`
		}
		rows, err := db.Raw(query).Rows()
		if err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		cols, _ := rows.Columns()
		var lines []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, fmt.Sprintf("%q", vals))
		}
		rows.Close()
		slices.Sort(lines)
		sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
		out[table] = fmt.Sprintf("%d rows %s", len(lines), hex.EncodeToString(sum[:8]))
	}
	return out
}

// malformedCase is one request that must be refused.
type malformedCase struct {
	name string
	do   func() *httptest.ResponseRecorder
	// status is the answer wanted; want is in its body (the clear message).
	status int
	want   string
}

func TestMalformedInputIsRefusedAndWritesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		n := newAPINominations(t, db)
		token := invitedWithToken(t, n)
		api := n.tokens(t)
		secToken := api[models.RolePartySecretary].token
		secA := n.loggedIn(t, models.RolePartySecretary)
		anon := newBrowser(t, n.app)
		anonCSRF := anon.csrf()
		regCSRF := secA.csrfFrom("/deltagere/ny")
		// A token's first use is recorded; that is not the cases' doing.
		for _, role := range []models.Role{models.RolePartySecretary, models.RoleStaff, models.RoleAdmin} {
			api[role].do(http.MethodGet, "/api/v1/parties", nil)
		}

		send := func(method, target, contentType string, body []byte, header ...string) *httptest.ResponseRecorder {
			req := httptest.NewRequest(method, target, bytes.NewReader(body))
			if contentType != "" {
				req.Header.Set("Content-Type", contentType)
			}
			for i := 0; i+1 < len(header); i += 2 {
				req.Header.Set(header[i], header[i+1])
			}
			rec := httptest.NewRecorder()
			n.app.ServeHTTP(rec, req)
			return rec
		}
		const formType = "application/x-www-form-urlencoded"
		twilio := func(path string, form url.Values, sig string) func() *httptest.ResponseRecorder {
			return func() *httptest.ResponseRecorder {
				if sig == "" {
					sig = smsfake.Sign(authToken, publicURL+path, form)
				}
				return send(http.MethodPost, path, formType, []byte(form.Encode()), "X-Twilio-Signature", sig)
			}
		}
		twilioRaw := func(path, body string) func() *httptest.ResponseRecorder {
			return func() *httptest.ResponseRecorder {
				form, _ := url.ParseQuery(body)
				return send(http.MethodPost, path, formType, []byte(body), "X-Twilio-Signature", smsfake.Sign(authToken, publicURL+path, form))
			}
		}
		reply := func(kv ...string) url.Values {
			f := url.Values{"From": {"+4529998877"}, "To": {"+4570707070"}, "Body": {"JA"}, "MessageSid": {"SM" + strings.Repeat("a", 32)}}
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i+1] == "<none>" {
					f.Del(kv[i])
				} else {
					f.Set(kv[i], kv[i+1])
				}
			}
			return f
		}
		status := func(kv ...string) url.Values {
			f := url.Values{"MessageSid": {"SM" + strings.Repeat("b", 32)}, "MessageStatus": {"delivered"}}
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i+1] == "<none>" {
					f.Del(kv[i])
				} else {
					f.Set(kv[i], kv[i+1])
				}
			}
			return f
		}
		answerPage := func(tok string) func() *httptest.ResponseRecorder {
			return func() *httptest.ResponseRecorder { return anon.do(http.MethodGet, "/svar/"+tok, nil) }
		}
		answerPost := func(tok string, form url.Values) func() *httptest.ResponseRecorder {
			return func() *httptest.ResponseRecorder {
				form.Set("csrf_token", anonCSRF)
				return anon.do(http.MethodPost, "/svar/"+tok, form)
			}
		}
		login := func(email, password string) func() *httptest.ResponseRecorder {
			return func() *httptest.ResponseRecorder {
				return anon.do(http.MethodPost, "/login", url.Values{"email": {email}, "password": {password}, "csrf_token": {anonCSRF}})
			}
		}
		uploadCSV := func(file []byte) func() *httptest.ResponseRecorder {
			return func() *httptest.ResponseRecorder {
				return upload(secA, "/valg/"+itoa(n.election.ID)+"/indstilling/csv", url.Values{}, file)
			}
		}
		registerForm := func(kv ...string) func() *httptest.ResponseRecorder {
			return func() *httptest.ResponseRecorder {
				form := url.Values{"cpr": {"0101704009"}, "csrf_token": {regCSRF}}
				for i := 0; i+1 < len(kv); i += 2 {
					form.Set(kv[i], kv[i+1])
				}
				return secA.do(http.MethodPost, "/deltagere", form)
			}
		}
		apiCall := func(method, path, body string) func() *httptest.ResponseRecorder {
			return func() *httptest.ResponseRecorder {
				return send(method, path, "application/json", []byte(body), "Authorization", "Bearer "+secToken)
			}
		}
		nominations := n.electionPath("/nominations")
		// The staff forms that store typed text, each filled in as it would
		// be saved; the cases below break one text field of each.
		staff, admin := n.loggedIn(t, models.RoleStaff), n.loggedIn(t, models.RoleAdmin)
		var kv models.ElectionType
		if err := db.Where("kind = ?", models.Kommunalvalg).First(&kv).Error; err != nil {
			t.Fatal(err)
		}
		settings := models.SettingsOf(n.election)
		electionPath := "/valg/" + itoa(n.election.ID)
		textForms := []struct {
			name  string
			b     *browser
			path  string
			form  url.Values
			field string
			label string // the field's name in the message
		}{
			{"station", staff, "/valgsteder", url.Values{"name": {"Nørreskolen"}, "address": {"Skolevej 1"}, "postal_code": {"8000"},
				"city": {"Aarhus"}, "district": {"99"}, "area_id": {itoa(n.stations[0].AreaID)}}, "address", "Adresse"},
			{"area", staff, "/omraader", url.Values{"name": {"Øst"}}, "name", "Navn"},
			{"task type", staff, "/opgavetyper", url.Values{"name": {"Kontrollant"}, "short_name": {"KO"}, "description": {"Tæller efter"},
				"start_time": {"08:00"}, "end_time": {"20:00"}, "allowance_kr": {"500"}}, "description", "Beskrivelse"},
			{"new election", staff, "/valg", url.Values{"title": {"Kommunalvalg 2029"}, "kind": {"KV"}, "day": {"2029-11-20"}}, "title", "Titel"},
			{"election settings", staff, electionPath, url.Values{"version": {strconv.Itoa(n.election.Version)}, "title": {settings.Title},
				"day": {settings.Day}, "tasks_from": {settings.TasksFrom}, "tasks_until": {settings.TasksUntil}, "lock_days": {settings.LockDays},
				"answer_days": {settings.AnswerDays}, "reminder_every_days": {settings.ReminderEveryDays},
				"reminder_days_before": {settings.ReminderDaysBefore}, "task_reminder_days": {settings.TaskReminderDays},
				"day_replace_minutes": {settings.DayReplaceMinutes}}, "title", "Titel"},
			{"election copy", staff, electionPath + "/dupliker", url.Values{"title": {"Næste valg"}, "day": {"2029-11-20"}}, "title", "Titel"},
			{"election type", admin, "/valgtyper/KV", kvForm("", kv.Version, nil), "name", "Navn"},
			{"message template", admin, messagesPage + "/invitation/email", url.Values{"subject": {"Hjælp os ved [election:name]"},
				"body": {"Kære [participant:name]\r\n\r\nSvar her: [answer:link]"}}, "body", "Tekst"},
			{"group message", staff, electionPath + "/beskeder", url.Values{"subject": {"Husk [election:name]"},
				"body": {"Kære [participant:name]\r\n\r\nHusk madpakke."}}, "body", "Tekst"},
			{"user", admin, "/admin/brugere", url.Values{"email": {"ny@sondera.example"}, "name": {"Ny Bruger"}, "role": {"staff"}}, "name", "Navn"},
			{"secretary request", secA, "/konto/ekstra-sekretaer", url.Values{"name": {"Ny Sekretær"}, "email": {"ny.sekretaer@example.dk"},
				"station": {itoa(n.stations[0].ID)}}, "name", "Navn"},
			{"party", staff, "/partier", url.Values{"name": {"Liberal Alliance"}, "letter": {"I"}, "kind": {"council_group"}, "seats": {"1"}}, "name", "Navn"},
			{"valggruppe", staff, "/valggrupper", url.Values{"name": {"Blå liste"}}, "name", "Navn"},
			{"retention", staff, electionPath + "/afslutning/opbevaring", url.Values{"retention_days": {"180"}}, "retention_days", "Dage efter valgdagen"},
		}
		huge := strings.Repeat("x", 2<<20) // past every body limit
		// The JSON API calls that store typed text, each as it would be
		// saved; the cases below break one string of each.
		apiTexts := []struct {
			name, method, path string
			role               models.Role
			body               map[string]any
			field              string
		}{
			{"area", http.MethodPost, "/api/v1/areas", models.RoleStaff, map[string]any{"name": "Øst"}, "name"},
			{"station", http.MethodPost, "/api/v1/stations", models.RoleStaff, map[string]any{"area_id": n.stations[0].AreaID,
				"name": "Nørreskolen", "address": "Skolevej 1", "postal_code": "8000", "city": "Aarhus", "district": 99}, "city"},
			{"task type", http.MethodPost, "/api/v1/task-types", models.RoleStaff, map[string]any{"name": "Optæller", "short_name": "OT",
				"description": "Tæller efter", "start_time": "18:00", "end_time": "23:00", "allowance_kr": 500}, "description"},
			{"party", http.MethodPost, "/api/v1/parties", models.RoleStaff, map[string]any{"name": "Nyt Parti", "letter": "N",
				"kind": "council_group", "council_seats": 1}, "name"},
			{"election", http.MethodPatch, "/api/v1/elections/" + itoa(n.election.ID), models.RoleStaff,
				map[string]any{"version": n.election.Version, "title": "Kommunalvalg 2029"}, "title"},
			{"election type", http.MethodPut, "/api/v1/election-types/KV", models.RoleAdmin, map[string]any{"name": "Kommunalvalg",
				"min_age": kv.MinAge, "citizenship": kv.Citizenship, "residence_years": kv.ResidenceYears, "version": kv.Version}, "name"},
			{"API token", http.MethodPost, "/api/v1/api-tokens", models.RoleAdmin, map[string]any{"user_id": n.users[models.RoleStaff].ID,
				"name": "Integration"}, "name"},
		}
		// apiText is call i of apiTexts with bad (raw JSON) after its field's value.
		apiText := func(i int, bad string) func() *httptest.ResponseRecorder {
			a := apiTexts[i]
			body := maps.Clone(a.body)
			body[a.field] = fmt.Sprint(body[a.field], "@BAD@")
			raw, err := json.Marshal(body)
			if err != nil {
				t.Fatal(err)
			}
			raw = bytes.Replace(raw, []byte("@BAD@"), []byte(bad), 1)
			header := []string{"Authorization", "Bearer " + api[a.role].token}
			if a.path == "/api/v1/api-tokens" { // a token creates no tokens: the administrator's session does
				header = []string{"Cookie", "valghalla_session=" + admin.cookies["valghalla_session"].Value, "X-CSRF-Token", admin.csrf()}
			}
			return func() *httptest.ResponseRecorder {
				return send(a.method, a.path, "application/json", raw, header...)
			}
		}
		// A one-time link to choose a password, and its form filled in.
		_, accountLink := newAccountLink(t, db)
		activate := func(password string) func() *httptest.ResponseRecorder {
			return func() *httptest.ResponseRecorder {
				return anon.do(http.MethodPost, "/konto/aktiver/"+accountLink, url.Values{"password": {password},
					"password2": {password}, "csrf_token": {anonCSRF}})
			}
		}

		cases := []malformedCase{
			// Twilio's webhooks.
			{"sms reply, wrong signature", twilio(smsReplyPath, reply(), "c2lnbmF0dXJl"), 403, "invalid signature"},
			{"sms reply, signed for another URL", func() *httptest.ResponseRecorder {
				f := reply()
				return send(http.MethodPost, smsReplyPath, formType, []byte(f.Encode()),
					"X-Twilio-Signature", smsfake.Sign(authToken, "https://evil.example"+smsReplyPath, f))
			}, 403, "invalid signature"},
			{"sms reply, no signature", func() *httptest.ResponseRecorder {
				return send(http.MethodPost, smsReplyPath, formType, []byte(reply().Encode()))
			}, 403, "invalid signature"},
			{"sms reply, no From", twilio(smsReplyPath, reply("From", "<none>"), ""), 400, "From"},
			{"sms reply, From not a number", twilio(smsReplyPath, reply("From", "ja tak"), ""), 400, "From"},
			{"sms reply, no Body", twilio(smsReplyPath, reply("Body", "<none>"), ""), 400, "Body"},
			{"sms reply, no MessageSid", twilio(smsReplyPath, reply("MessageSid", "<none>"), ""), 400, "MessageSid"},
			{"sms reply, Body not UTF-8", twilio(smsReplyPath, reply("Body", "JA \xff\xfe"), ""), 400, "UTF-8"},
			{"sms reply, From not UTF-8", twilio(smsReplyPath, reply("From", "+45\xff2999887"), ""), 400, "From"},
			{"sms reply, Body too long", twilio(smsReplyPath, reply("Body", strings.Repeat("JA ", 1000)), ""), 400, "Body"},
			{"sms reply, body over 64 KiB", twilio(smsReplyPath, reply("Body", strings.Repeat("a", 70<<10)), ""), 400, "larger than"},
			{"sms reply, body over the site's limit", func() *httptest.ResponseRecorder {
				return send(http.MethodPost, smsReplyPath, formType, []byte("Body="+huge))
			}, 413, ""},
			{"sms reply, not a form", func() *httptest.ResponseRecorder {
				return send(http.MethodPost, smsReplyPath, "application/json", []byte(`{"From":"+4529998877"}`), "X-Twilio-Signature", "x")
			}, 400, "form body"},
			{"sms reply, broken form encoding", twilioRaw(smsReplyPath, "From=%2B45299&Body=%zz"), 400, "malformed"},
			{"sms reply, a field twice", twilioRaw(smsReplyPath, "From=%2B4529998877&Body=JA&Body=NEJ&MessageSid=SM"+strings.Repeat("a", 32)), 403, "invalid signature"},
			{"sms status, wrong signature", twilio(smsStatusPath, status(), "c2lnbmF0dXJl"), 403, "invalid signature"},
			{"sms status, no MessageSid", twilio(smsStatusPath, status("MessageSid", "<none>"), ""), 400, "MessageSid"},
			{"sms status, a SID of the wrong shape", twilio(smsStatusPath, status("MessageSid", "SM\xff"), ""), 400, "MessageSid"},
			{"sms status, no status", twilio(smsStatusPath, status("MessageStatus", "<none>"), ""), 400, "MessageStatus"},
			{"sms status, an unknown status", twilio(smsStatusPath, status("MessageStatus", "exploded"), ""), 400, "MessageStatus"},
			{"sms status, a non-numeric error code", twilio(smsStatusPath, status("ErrorCode", "21610x"), ""), 400, "ErrorCode"},

			// Answer links.
			{"answer page, forged token", answerPage(strings.Repeat("0f", 32)), 404, "Linket"},
			{"answer page, truncated token", answerPage(token[:40]), 404, "Linket"},
			{"answer page, too short a token", answerPage(token[:8]), 404, "Linket"},
			{"answer page, overlong token", answerPage(token + strings.Repeat("a", 500)), 404, "Linket"},
			{"answer page, non-ASCII token", answerPage(url.PathEscape(strings.Repeat("æøå", 12))), 404, "Linket"},
			{"answer page, token not UTF-8", answerPage(strings.Repeat("%FF", 40)), 404, "Linket"},
			{"answer, forged token", answerPost(strings.Repeat("0f", 32), url.Values{"svar": {"ja"}}), 404, "Linket"},
			{"answer, truncated token", answerPost(token[:63], url.Values{"svar": {"ja"}}), 404, "Linket"},
			{"answer, overlong token", answerPost(token+"0", url.Values{"svar": {"ja"}}), 404, "Linket"},
			{"answer, non-ASCII token", answerPost(url.PathEscape("ææææææææææææææææææææææææææææææææ"), url.Values{"svar": {"ja"}}), 404, "Linket"},
			{"answer, unknown choice", answerPost(token, url.Values{"svar": {"måske"}}), 400, "Vælg"},
			{"answer, no choice", answerPost(token, url.Values{}), 400, "Vælg"},
			{"answer, choice not UTF-8", answerPost(token, url.Values{"svar": {"ja\xff"}}), 400, "Vælg"},
			{"answer, overlong choice", answerPost(token, url.Values{"svar": {strings.Repeat("ja", 10000)}}), 400, "Vælg"},
			{"answer without the CSRF token", func() *httptest.ResponseRecorder {
				return anon.do(http.MethodPost, "/svar/"+token, url.Values{"svar": {"ja"}})
			}, 403, ""},

			// The login form.
			{"login, overlong e-mail", login(strings.Repeat("a", 300)+"@example.dk", testPassword), 400, "Skriv"},
			{"login, overlong password", login(n.users[models.RoleAdmin].Email, strings.Repeat("p", 2000)), 400, "Skriv"},
			{"login, e-mail not UTF-8", login("admin\xff@sondera.example", testPassword), 400, "Skriv"},
			{"login, e-mail with a NUL", login("admin\x00@sondera.example", testPassword), 400, "Skriv"},
			{"login, password not UTF-8", login(n.users[models.RoleAdmin].Email, "forkert\xfe"), 400, "Skriv"},
			{"login, body over the site's limit", func() *httptest.ResponseRecorder {
				return anon.do(http.MethodPost, "/login", url.Values{"email": {huge}, "csrf_token": {anonCSRF}})
			}, 413, ""},

			// The CSV nomination upload.
			{"csv, only broken rows", uploadCSV([]byte("cpr;valgsted;opgavetype\n01017O4001;1;TF\n0101704001;99;TF\n0101704001;1;XYZ\n0101704001;1;TF;;\n")),
				422, "0 af 4 rækker"},
			{"csv, bad contact data", uploadCSV([]byte("cpr;mobil;email;valgsted;opgavetype\n0101704001;12;;1;TF\n0101704009;;ikke en adresse;1;TF\n")),
				422, "Mobilnummeret"},
			{"csv, Latin-1", uploadCSV([]byte("cpr;valgsted;opgavetype;navn\n0101704001;1;TF;S\xf8ren\n")), 422, "UTF-8"},
			{"csv, UTF-16", uploadCSV([]byte("\xff\xfec\x00p\x00r\x00;\x00")), 422, "UTF-8"},
			{"csv, a stray quote", uploadCSV([]byte("cpr;valgsted;opgavetype\n\"0101704001;1;TF\n0101704009\";1\"x;TF\n")), 422, "linje"},
			{"csv, no header", uploadCSV([]byte("0101704001;1;TF\n")), 422, "kolonnen"},
			{"csv, empty", uploadCSV(nil), 422, "tom"},
			{"csv, too many rows", uploadCSV(append([]byte("cpr;valgsted;opgavetype\n"), bytes.Repeat([]byte("01017O4001;1;TF\n"), store.MaxCSVRows+1)...)),
				422, "rækker"},
			{"csv, over the file limit", uploadCSV(append([]byte("cpr;valgsted;opgavetype\n"), bytes.Repeat([]byte("01017O4001;1;TF\n"), store.MaxCSVBytes/16+10)...)),
				413, "for stor"},
			{"csv, over the site's limit", uploadCSV([]byte(huge)), 413, "for stor"},
			{"csv, no file", func() *httptest.ResponseRecorder {
				var body bytes.Buffer
				w := multipart.NewWriter(&body)
				w.WriteField("csrf_token", secA.csrfFrom("/konto"))
				w.Close()
				req := httptest.NewRequest(http.MethodPost, "/valg/"+itoa(n.election.ID)+"/indstilling/csv", &body)
				req.Header.Set("Content-Type", w.FormDataContentType())
				for _, c := range secA.cookies {
					req.AddCookie(c)
				}
				rec := httptest.NewRecorder()
				n.app.ServeHTTP(rec, req)
				return rec
			}, 422, "fil"},

			// Registration by form.
			{"register, a letter in the CPR number", registerForm("cpr", "01017O4009"), 422, "cifre"},
			{"register, no such date", registerForm("cpr", "3102704009"), 422, "CPR"},
			{"register, CPR not UTF-8", registerForm("cpr", "010170\xff4009"), 422, "CPR"},
			{"register, overlong CPR", registerForm("cpr", strings.Repeat("0101704009", 1000)), 422, "CPR"},
			{"register, overlong mobile", registerForm("mobile", strings.Repeat("2", 10000)), 422, "Mobilnummeret"},
			{"register, overlong e-mail", registerForm("email", strings.Repeat("a", 10000)+"@example.dk"), 422, "for lang"},
			{"register, e-mail not UTF-8", registerForm("email", "s\xf8ren@example.dk"), 422, "»E-mail«"},
			{"register, diet not UTF-8", registerForm("diet", "vegetar \xff"), 422, "Kosthensyn"},
			{"register, diet with a NUL", registerForm("diet", "vegetar\x00"), 422, "Kosthensyn"},
			{"register, overlong diet", registerForm("diet", strings.Repeat("æ", 400)), 422, "500 tegn"},
			{"register, unknown channel", registerForm("channel", "brevdue"), 422, "kanal"},

			// The JSON API.
			{"api register, malformed JSON", apiCall(http.MethodPost, "/api/v1/participants", `{"cpr": "0101704009"`), 400, "ikke gyldig JSON"},
			{"api register, not JSON at all", apiCall(http.MethodPost, "/api/v1/participants", `cpr=0101704009`), 400, "ikke gyldig JSON"},
			{"api register, empty body", apiCall(http.MethodPost, "/api/v1/participants", ``), 400, "ikke gyldig JSON"},
			{"api register, a number for the CPR", apiCall(http.MethodPost, "/api/v1/participants", `{"cpr": 101704009}`), 400, "ikke gyldig JSON"},
			{"api register, a string for the party", apiCall(http.MethodPost, "/api/v1/participants", `{"cpr": "0101704009", "party_id": "A"}`), 400, "ikke gyldig JSON"},
			{"api register, an unknown field", apiCall(http.MethodPost, "/api/v1/participants", `{"cpr": "0101704009", "navn": "Bjørn"}`), 400, "unknown field"},
			{"api register, two values", apiCall(http.MethodPost, "/api/v1/participants", `{"cpr": "0101704009"}{}`), 400, "more than one"},
			{"api register, an array", apiCall(http.MethodPost, "/api/v1/participants", `[{"cpr": "0101704009"}]`), 400, "ikke gyldig JSON"},
			{"api register, not UTF-8", apiCall(http.MethodPost, "/api/v1/participants", "{\"cpr\": \"0101704009\", \"diet\": \"\xff\"}"), 400, "UTF-8"},
			{"api register, a NUL in the diet", apiCall(http.MethodPost, "/api/v1/participants", `{"cpr": "0101704009", "diet": "veg\u0000"}`), 422, "»diet«"},
			{"api register, wrong CPR", apiCall(http.MethodPost, "/api/v1/participants", `{"cpr": "0101704O09"}`), 422, "CPR-nummeret må kun indeholde cifre"},
			{"api register, oversized", apiCall(http.MethodPost, "/api/v1/participants", `{"cpr": "0101704009", "diet": "`+strings.Repeat("a", 100<<10)+`"}`), 413, "for stor"},
			{"api register, over the site's limit", apiCall(http.MethodPost, "/api/v1/participants", `{"diet": "`+huge+`"}`), 413, ""},
			{"api nominate, malformed JSON", apiCall(http.MethodPost, nominations, `{"slot_id": 1,}`), 400, "ikke gyldig JSON"},
			{"api nominate, a string for the slot", apiCall(http.MethodPost, nominations, `{"slot_id": "1", "participant_id": 1}`), 400, "ikke gyldig JSON"},
			{"api nominate, a fraction", apiCall(http.MethodPost, nominations, `{"slot_id": 1.5, "participant_id": 1}`), 400, "ikke gyldig JSON"},
			{"api nominate, an unknown field", apiCall(http.MethodPost, nominations, `{"slot_id": 1, "participant_id": 1, "force": true}`), 400, "unknown field"},
			{"api nominate, no ids", apiCall(http.MethodPost, nominations, `{}`), 422, "Ret de markerede felter"},
			{"api nominate, negative ids", apiCall(http.MethodPost, nominations, `{"slot_id": -1, "participant_id": -5}`), 422, "Ret de markerede felter"},
			{"api nominate, an id past int64", apiCall(http.MethodPost, nominations, `{"slot_id": 99999999999999999999, "participant_id": 1}`), 400, "ikke gyldig JSON"},
			{"api nominate, an election that is no number", apiCall(http.MethodPost, "/api/v1/elections/abc/nominations", `{"slot_id": 1, "participant_id": 1}`), 404, "Findes ikke"},
			{"api slots, a party that is no number", apiCall(http.MethodGet, n.electionPath("/slots?party_id=A"), ``), 400, "party_id"},
			// Activation: a password the login form would refuse.
			{"activation, a NUL in the password", activate("en lang og god\x00adgangskode"), 422, "kontroltegn"},
			{"activation, password not UTF-8", activate("en lang og god adgangskode \xff"), 422, "kontroltegn"},
			{"activation, an overlong password", activate(strings.Repeat("p", 1025)), 422, "for lang"},
			{"activation, two different passwords", func() *httptest.ResponseRecorder {
				return anon.do(http.MethodPost, "/konto/aktiver/"+accountLink, url.Values{"password": {testPassword},
					"password2": {testPassword + "!"}, "csrf_token": {anonCSRF}})
			}, 422, "ikke ens"},
		}
		// broken is form i of textForms with bad after its text field's value.
		broken := func(i int, bad string) url.Values {
			f := textForms[i]
			form := maps.Clone(f.form)
			form.Set("csrf_token", f.b.csrfFrom("/konto"))
			form.Set(f.field, form.Get(f.field)+bad)
			return form
		}
		for i, f := range textForms {
			for _, bad := range []struct{ what, bytes string }{{"a NUL", "\x00"}, {"not UTF-8", "\xff"}} {
				cases = append(cases, malformedCase{f.name + ", " + f.field + " with " + bad.what, func() *httptest.ResponseRecorder {
					return f.b.do(http.MethodPost, f.path, broken(i, bad.bytes))
				}, 422, "»" + f.label + "«"})
			}
		}
		for i, a := range apiTexts {
			for _, bad := range []struct {
				what, json string
				status     int
				want       string
			}{
				{"a NUL", `\u0000`, 422, "Feltet »" + a.field + "«"},
				{"a control character", `\u001b[2J`, 422, "Feltet »" + a.field + "«"},
				{"not UTF-8", "\xff", 400, `\"` + a.field + `\" is not UTF-8`},
			} {
				cases = append(cases, malformedCase{"api " + a.name + ", " + a.field + " with " + bad.what, apiText(i, bad.json), bad.status, bad.want})
			}
		}
		cases = append(cases, malformedCase{"station, address with a NUL, in English", func() *httptest.ResponseRecorder {
			defer staff.do(http.MethodGet, "/konto?lang=da", nil)
			return staff.do(http.MethodPost, "/valgsteder?lang=en", broken(0, "\x00"))
		}, 422, "The field “Address” contains characters that are not valid text"})
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := tableChecksums(t, db)
				rec := c.do()
				body := rec.Body.String()
				if rec.Code != c.status {
					t.Errorf("status %d, want %d: %.300s", rec.Code, c.status, body)
				}
				if rec.Code >= 500 || rec.Code < 400 {
					t.Errorf("status %d: bad input must get a 4xx", rec.Code)
				}
				if !strings.Contains(body, c.want) {
					t.Errorf("the answer lacks %q: %.300s", c.want, body)
				}
				after := tableChecksums(t, db)
				for table, sum := range before {
					if after[table] != sum {
						t.Errorf("table %s changed: %s → %s", table, sum, after[table])
					}
				}
			})
		}
		if sent := n.temporal.sent(); len(sent) != 0 {
			t.Errorf("malformed input reached a lifecycle: %v", sent)
		}

		// Well-formed but about nobody: acknowledged as Twilio expects (a
		// 4xx would make it retry), with nothing written.
		for _, c := range []malformedCase{
			{"sms reply from an unknown number", twilio(smsReplyPath, reply(), ""), 200, "ingen invitation"},
			{"sms status of an unknown message", twilio(smsStatusPath, status(), ""), 204, ""},
		} {
			before := tableChecksums(t, db)
			rec := c.do()
			if rec.Code != c.status || !strings.Contains(rec.Body.String(), c.want) {
				t.Errorf("%s: %d %s", c.name, rec.Code, rec.Body)
			}
			after := tableChecksums(t, db)
			for table, sum := range before {
				if after[table] != sum {
					t.Errorf("%s: table %s changed", c.name, table)
				}
			}
		}
	})
}

const (
	smsReplyPath  = "/webhooks/twilio/sms"
	smsStatusPath = "/webhooks/twilio/status"
)

// invitedWithToken invites a person to one of A's slots and returns the
// answer link's token.
func invitedWithToken(t *testing.T, n *apiNominations) string {
	t.Helper()
	p := models.Participant{CPR: models.NewSecret("0101704001"), CPRIndex: "test-0101704001", Name: "Søren Ærø",
		Mobile: models.NewSecret(""), Email: models.NewSecret("soeren@example.dk"), CreatedAt: now, UpdatedAt: now}
	if err := n.db.Create(&p).Error; err != nil {
		t.Fatal(err)
	}
	if err := n.db.Create(&models.PartyMembership{ParticipantID: p.ID, PartyID: n.partyA.ID, CreatedAt: now}).Error; err != nil {
		t.Fatal(err)
	}
	a := storetest.Nominate(t, n.db, n.slotsA[1], p.ID)
	if err := n.db.Model(&a).Updates(map[string]any{"state": models.StateInvited, "invited_at": now}).Error; err != nil {
		t.Fatal(err)
	}
	token := strings.Repeat("7e", 32)
	if err := store.SaveAnswerToken(context.Background(), n.db, a.ID, token, "3141", now); err != nil {
		t.Fatal(err)
	}
	return token
}
