package models

import "testing"

// The party secretaries' limits: whole numbers from 1 to the maximum, an
// empty field the default, anything else refused on its field.
func TestMunicipalityLimitsChecked(t *testing.T) {
	good := MunicipalitySettings{Name: "Sønderå Kommune", Code: "607", CVR: "12345674"}
	m, errs := good.Check()
	if errs != nil || m.SecretaryLookupsPerDay != DefaultLookupsPerDay || m.SecretaryCSVRows != DefaultCSVRows {
		t.Fatalf("empty limits: %+v %v", m, errs)
	}
	for _, c := range []struct {
		lookups, rows string
		want          int
	}{{" 1 ", "5000", 1}, {"100000", "1", 100000}} {
		in := good
		in.SecretaryLookupsPerDay, in.SecretaryCSVRows = c.lookups, c.rows
		if m, errs := in.Check(); errs != nil || m.SecretaryLookupsPerDay != c.want {
			t.Errorf("%q, %q: %+v %v", c.lookups, c.rows, m, errs)
		}
	}
	for _, bad := range []string{"0", "-5", "1.5", "to hundrede", "200 opslag", "100001", "99999999999999999999"} {
		in := good
		in.SecretaryLookupsPerDay, in.SecretaryCSVRows = bad, bad
		_, errs := in.Check()
		for _, f := range []string{"secretary_lookups_per_day", "secretary_csv_rows"} {
			if e := errs[f]; e == nil || e.Key != "error.municipality.limit" || e.Field != f {
				t.Errorf("%q on %s: %v", bad, f, errs)
			}
		}
		if bad == "100001" && errs["secretary_csv_rows"].Args[0] != MaxCSVRows {
			t.Errorf("the cap's refusal names %v", errs["secretary_csv_rows"].Args)
		}
	}
	if (Municipality{}).LookupsPerDay() != 200 || (Municipality{}).CSVRows() != 500 || (Municipality{SecretaryCSVRows: 7}).CSVRows() != 7 {
		t.Error("the defaults of a municipality stored before the limits")
	}
}
