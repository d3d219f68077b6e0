package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
	"github.com/valghalla/valghalla/vault"
)

func TestParseNominationCSV(t *testing.T) {
	rows, err := store.ParseNominationCSV([]byte("\ufeffCPR,Mobil,E-mail,Valgsted,Opgavetype\r\n010170-4001, 20304050 ,a@example.dk,1,TF\r\n,,,,\r\n\r\n0101704002,,,Åbyskolen,Tilforordnet\r\n"))
	if err != nil || len(rows) != 2 || rows[0].Line != 2 || rows[0].CPR != "010170-4001" || rows[0].Mobile != "20304050" ||
		rows[1].Line != 5 || rows[1].Station != "Åbyskolen" || rows[1].TaskType != "Tilforordnet" {
		t.Fatalf("comma file with BOM: %+v %v", rows, err)
	}
	rows, err = store.ParseNominationCSV([]byte("navn;cpr;valgsted;opgavetype;mobil;email\n\"Hansen, Åse\";0101704001;2;TF;;\n"))
	if err != nil || len(rows) != 1 || rows[0].Name != "Hansen, Åse" || rows[0].Station != "2" {
		t.Fatalf("semicolon file: %+v %v", rows, err)
	}
	many := "cpr;valgsted;opgavetype\n" + strings.Repeat("0101704001;1;TF\n", store.MaxCSVRows+1)
	for name, data := range map[string][]byte{
		"invalid UTF-8 (Latin-1)": []byte("cpr;valgsted;opgavetype;navn\n0101704001;1;TF;S\xf8ren\n"),
		"no header":               []byte("0101704001;1;TF\n"),
		"no station column":       []byte("cpr;opgavetype\n0101704001;TF\n"),
		"empty":                   {},
		"header only":             []byte("cpr;valgsted;opgavetype\n"),
		"too many rows":           []byte(many),
		"too big":                 []byte("cpr;valgsted;opgavetype\n" + strings.Repeat("x", store.MaxCSVBytes)),
		"broken quoting":          []byte("cpr;valgsted;opgavetype\n\"0101704001;1;TF\n"),
	} {
		var ue *models.UserError
		if _, err := store.ParseNominationCSV(data); !errors.As(err, &ue) {
			t.Errorf("%s: %v, want a UserError", name, err)
		} else if tenDigits.MatchString(danish(ue)) {
			t.Errorf("%s: the error shows a CPR number: %s", name, danish(ue))
		}
	}
}

// fakePlacer stands in for the use case that places a row's person (it
// asks the CPR register): every number is a person called "Person
// <serial>", except the ineligible and the one that breaks the register.
func fakePlacer(db *gorm.DB, keys *vault.Keyring, actor models.User, now time.Time, ineligible, down string) store.RowPlacer {
	return func(ctx context.Context, row store.PlaceRow) (string, error) {
		name := "Person " + row.CPR.Digits()[6:]
		switch row.CPR.Digits() {
		case ineligible:
			var tt models.TaskType
			db.First(&tt, row.To.TaskTypeID)
			if !tt.Validation && !row.To.Reserve {
				name = "Uden Validering"
				break
			}
			return "", models.Refuse("error.nomination.ineligible", "Valget", []*models.UserError{models.Refuse("error.eligibility.notinmunicipality")})
		case down:
			return "", fmt.Errorf("%w: cpr: SF1520 could not be reached", store.ErrRegisterFailed)
		}
		_, err := store.RegisterAndPlace(ctx, db, keys, actor, store.NewParticipant{CPR: row.CPR, Name: name, Mobile: row.Mobile,
			Email: row.Email}, row.To, now)
		return name, err
	}
}

func TestImportNominationsReportsEveryRow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newNomination(t, db)
		f.slots(t, f.stations[0], f.tf, f.a, 2)
		f.slots(t, f.stations[1], f.tf, f.a, 1)
		f.slots(t, f.stations[1], f.vs, f.a, 1)
		file := strings.Join([]string{
			"CPR;Mobil;E-mail;Valgsted;Opgavetype;Navn",
			"0202801001;20304050;a@example.dk;1;TF;Anna", // 2 ok
			"020280-1002;;;sønderå rådhus;tilforordnet;", // 3 ok, station by name, task type by name
			"3102801003;;;1;TF;",                         // 4 no such birth date
			"0202801004;;;2;TF;",                         // 5 ineligible
			"0202801005;;;99;TF;",                        // 6 unknown station
			"0202801006;;;1;XX;",                         // 7 unknown task type
			"0202801007;;;1;TF;",                         // 8 no vacant slot left
			"0202801001;;;2;TF;",                         // 9 twice in the file
			"0202801008;123;;2;TF;",                      // 10 bad mobile
			"0202801009;;;2;VS;",                         // 11 appointed only: not for a secretary
			"0202801010;;x@@;2;TF;",                      // 12 bad e-mail
			"0202801011;;;Åbyskolen;TF;",                 // 13 ok
			"0202801012;;;3;TF;0101704001",               // 14 no slots at station 3; the name cell holds a CPR number
			"01017O4001;;;1;TF;",                         // 15 not digits
		}, "\n")
		rows, err := store.ParseNominationCSV([]byte(file))
		if err != nil {
			t.Fatal(err)
		}
		report, err := store.ImportNominations(ctx, db, f.secA, store.ImportTarget{ElectionID: f.election.ID, PartyID: f.a.ID},
			rows, fakePlacer(db, f.keys, f.secA, f.now, "0202801004", ""))
		if err != nil {
			t.Fatal(err)
		}
		want := map[int]string{2: "", 3: "", 4: "fødselsdato", 5: "bor ikke i kommunen", 6: `Ukendt valgsted "99"`,
			7: `Ukendt opgavetype "XX"`, 8: "ingen ledige pladser som Tilforordnet på Sønderå Rådhus", 9: "også i linje 2",
			10: "Mobilnummeret", 11: "Du kan ikke indstille", 12: "E-mailadressen", 13: "", 14: "ingen ledige pladser",
			15: "kun indeholde cifre"}
		if len(report.Rows) != len(want) || report.Imported != 3 || report.Stopped != nil {
			t.Fatalf("report: %+v", report)
		}
		for _, r := range report.Rows {
			w := want[r.Line]
			if (w == "") != r.OK || !strings.Contains(danish(r.Reason), w) {
				t.Errorf("line %d: ok %v %q, want %q", r.Line, r.OK, danish(r.Reason), w)
			}
		}
		dump := fmt.Sprintf("%+v", report)
		for _, line := range strings.Split(file, "\n")[1:] {
			number, _, _ := strings.Cut(line, ";")
			if strings.Contains(dump, number) || strings.Contains(dump, strings.ReplaceAll(number, "-", "")) {
				t.Errorf("the report shows the CPR number of %q", line)
			}
		}
		if strings.Contains(dump, "0101704001") {
			t.Error("the report shows the CPR number in the name cell")
		}
		if r := report.Rows[0]; r.MaskedCPR != "020280-XXXX" || r.Name != "Anna" {
			t.Errorf("row 2: %+v", r)
		}
		if r := report.Rows[1]; r.Name != "Person 1002" {
			t.Errorf("row 3 takes the register's name: %+v", r)
		}
		if r := report.Rows[12]; r.Name != "…" {
			t.Errorf("the name cell holding a CPR number is shown as %q", r.Name)
		}

		// Exactly the good rows are in: three people, three slots; the bad
		// rows left nobody on the list.
		var people, held int64
		db.Model(&models.Participant{}).Count(&people)
		db.Model(&models.Assignment{}).Where("party_id = ? AND state = ?", f.a.ID, models.StateNominated).Count(&held)
		if people != 3 || held != 3 {
			t.Errorf("%d people and %d nominations, want 3 and 3", people, held)
		}

		// Staff may fill the appointed-only slot; a task type without
		// validation lets the otherwise ineligible pass (alive is the register's check).
		vsk := models.TaskType{Name: "Valgsekretær", ShortName: "VSK"}
		db.Where("short_name = ?", "VSK").First(&vsk)
		f.slots(t, f.stations[2], vsk, f.a, 1)
		rows, _ = store.ParseNominationCSV([]byte("cpr,valgsted,opgavetype\n0202801009,2,VS\n0202801004,3,VSK\n"))
		report, err = store.ImportNominations(ctx, db, f.staff, store.ImportTarget{ElectionID: f.election.ID, PartyID: f.a.ID},
			rows, fakePlacer(db, f.keys, f.staff, f.now, "0202801004", ""))
		if err != nil || report.Imported != 2 {
			t.Fatalf("staff: %+v %v", report, err)
		}
		// A secretary uploads for their own party only.
		if _, err := store.ImportNominations(ctx, db, f.secV, store.ImportTarget{ElectionID: f.election.ID, PartyID: f.a.ID},
			rows, fakePlacer(db, f.keys, f.secV, f.now, "", "")); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("V uploading for A: %v", err)
		}
	})
}

// The register failing stops the import there: earlier rows are in, later
// ones are reported as not imported.
func TestImportStopsWhenTheRegisterFails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newNomination(t, db)
		rows, _ := store.ParseNominationCSV([]byte("cpr;valgsted;opgavetype\n0202801001;1;TF\n0202801002;1;TF\n0202801003;2;TF\n"))
		report, err := store.ImportNominations(ctx, db, f.secA, store.ImportTarget{ElectionID: f.election.ID, PartyID: f.a.ID,
			Reserve: true},
			rows, fakePlacer(db, f.keys, f.secA, f.now, "", "0202801002"))
		if err != nil || report.Stopped == nil || report.Imported != 1 || !report.Rows[0].OK || report.Rows[1].OK || report.Rows[2].OK ||
			!strings.Contains(danish(report.Rows[2].Reason), "CPR-registret svarede ikke") {
			t.Fatalf("%+v %v", report, err)
		}
		list, _ := store.ReservesOf(ctx, db, f.secA, f.election.ID, f.a.ID)
		if len(list) != 1 || list[0].StationID == nil || *list[0].StationID != f.stations[0].ID {
			t.Fatalf("reserve list: %+v", list)
		}
	})
}
