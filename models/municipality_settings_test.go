package models

import "testing"

func TestPlausiblePhoneAndValidEmail(t *testing.T) {
	for _, s := range []string{"72100000", "+45 72 10 00 00", "0045 7210 0000", "+4572100000"} {
		if !PlausiblePhone(s) {
			t.Errorf("PlausiblePhone(%q) = false", s)
		}
	}
	for _, s := range []string{"", "7210000", "72-10-00-00", "45+72100000", "ring 72100000", "+45 72 10 00 00 00 00 00 00", "７２１００００００"} {
		if PlausiblePhone(s) {
			t.Errorf("PlausiblePhone(%q) = true", s)
		}
	}
	for _, s := range []string{"valg@sondera.example", "a.b@x.dk"} {
		if !ValidEmail(s) {
			t.Errorf("ValidEmail(%q) = false", s)
		}
	}
	for _, s := range []string{"", "valg", "Valg <valg@x.dk>", "valg@x.dk, b@x.dk", " valg@x.dk"} {
		if ValidEmail(s) {
			t.Errorf("ValidEmail(%q) = true", s)
		}
	}
}

func TestSiteValuesFillEveryContactField(t *testing.T) {
	v := Municipality{Name: "Sønderå Kommune", SecretariatPhone: "+45 72 10 00 00"}.SiteValues()
	if v["site:name"] != "Sønderå Kommune" || v["site:phone"] != "+45 72 10 00 00" || v["site:email"] != NotGiven || v["site:address"] != NotGiven {
		t.Errorf("SiteValues = %v", v)
	}
	for _, f := range SiteFields {
		for _, fields := range [][]string{LifecycleFields, GroupMessageFields, ReplacementNoticeFields, AccountInvitationFields} {
			found := false
			for _, g := range fields {
				found = found || g == f
			}
			if !found {
				t.Errorf("%s is not offered in %v", f, fields)
			}
		}
	}
}
