package models

import (
	"regexp"
	"testing"
)

func TestRecoveryCodesAndWhoMustHaveTOTP(t *testing.T) {
	codes, err := NewRecoveryCodes()
	if err != nil || len(codes) != RecoveryCodeCount {
		t.Fatalf("%v %v", codes, err)
	}
	form := regexp.MustCompile(`^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$`)
	seen := map[string]bool{}
	for _, c := range codes {
		if !form.MatchString(c) || seen[c] {
			t.Fatalf("code %q (seen %v)", c, seen[c])
		}
		seen[c] = true
		n, ok := NormalizeRecoveryCode(" " + c + " ")
		if !ok || len(n) != RecoveryCodeLen {
			t.Fatalf("normalize %q: %q %v", c, n, ok)
		}
	}
	for _, bad := range []string{"123456", "123 456", "", "abcd-efgh-ijkl-mno1", "abcd-efgh-ijkl-mnopq"} {
		if _, ok := NormalizeRecoveryCode(bad); ok {
			t.Errorf("%q taken for a recovery code", bad)
		}
	}
	for r, want := range map[Role]bool{RoleAdmin: true, RoleStaff: true, RoleReadOnly: true, RolePartySecretary: false} {
		if RequiresTOTP(r) != want {
			t.Errorf("RequiresTOTP(%s) = %v", r, !want)
		}
	}
}
