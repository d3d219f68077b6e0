package setup_test

import (
	"testing"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/setup"
)

func TestCheckInstall(t *testing.T) {
	good := setup.InstallInput{MunicipalityName: " Sønderå Kommune ", MunicipalityCode: " 607 ", CVR: "12345674",
		AdminEmail: " It@Sondera.Example", AdminName: " Mette Fiktiv "}
	got, err := setup.CheckInstall(good)
	want := setup.InstallInput{MunicipalityName: "Sønderå Kommune", MunicipalityCode: "0607", CVR: "12345674",
		AdminEmail: "it@sondera.example", AdminName: "Mette Fiktiv"}
	if err != nil || got != want {
		t.Fatalf("CheckInstall = %+v, %v; want %+v", got, err, want)
	}
	for _, c := range []struct {
		change func(*setup.InstallInput)
		field  string
	}{
		{func(in *setup.InstallInput) { in.MunicipalityName = " " }, "municipality_name"},
		{func(in *setup.InstallInput) { in.MunicipalityCode = "" }, "municipality_code"},
		{func(in *setup.InstallInput) { in.MunicipalityCode = "100" }, "municipality_code"},
		{func(in *setup.InstallInput) { in.MunicipalityCode = "861" }, "municipality_code"},
		{func(in *setup.InstallInput) { in.MunicipalityCode = "abc" }, "municipality_code"},
		{func(in *setup.InstallInput) { in.CVR = "1234567" }, "cvr"},
		{func(in *setup.InstallInput) { in.CVR = "12345678" }, "cvr"},
		{func(in *setup.InstallInput) { in.AdminEmail = "ikke en adresse" }, "admin_email"},
		{func(in *setup.InstallInput) { in.AdminEmail = "Mette <it@sondera.example>" }, "admin_email"},
		{func(in *setup.InstallInput) { in.AdminName = "" }, "admin_name"},
	} {
		in := good
		c.change(&in)
		_, err := setup.CheckInstall(in)
		if ue, ok := models.AsUserError(err); !ok || ue.Field != c.field {
			t.Errorf("%+v: %v, want a refusal of %s", in, err, c.field)
		}
	}
}
