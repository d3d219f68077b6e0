package setup

import (
	"context"
	"strings"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
)

// InstallInput is what `valghalla setup` asks for: the municipality and its
// first administrator. A refusal names its field by these names:
// municipality_name, municipality_code, cvr, admin_email, admin_name.
type InstallInput struct {
	MunicipalityName string
	MunicipalityCode string // the kommunekode, 101–860 ("607" or "0607")
	CVR              string
	AdminEmail       string
	AdminName        string
}

// CheckInstall checks in without the database and gives it back cleaned
// (trimmed, the code in its stored four digits, the e-mail in lower case);
// a bad value is a keyed refusal naming its field, the first in the order
// of InstallInput.
func CheckInstall(in InstallInput) (InstallInput, error) {
	in.AdminEmail = store.NormalizeEmail(in.AdminEmail)
	in.AdminName = strings.TrimSpace(in.AdminName)
	// The settings page's rules (models.MunicipalitySettings.Check), under
	// this command's field names.
	m, errs := models.MunicipalitySettings{Name: in.MunicipalityName, Code: in.MunicipalityCode, CVR: in.CVR}.Check()
	for _, f := range [...][2]string{{"name", "municipality_name"}, {"code", "municipality_code"}, {"cvr", "cvr"}} {
		if ue := errs[f[0]]; ue != nil {
			return in, models.RefuseField(f[1], ue.Key, ue.Args...)
		}
	}
	in.MunicipalityName, in.MunicipalityCode, in.CVR = m.Name, m.Code, m.CVR
	if !models.ValidEmail(in.AdminEmail) {
		return in, models.RefuseField("admin_email", "error.user.email")
	}
	if in.AdminName == "" || len(in.AdminName) > 200 {
		return in, models.RefuseField("admin_name", "error.user.name")
	}
	return in, nil
}

// Install sets up an empty database: it creates the municipality and its
// first administrator in one transaction and returns the token of the
// administrator's one-time account link, valid store.AccountLinkValidity
// (models.AccountLinkURL makes its address). A database with a
// municipality already is refused (error.municipality.exists) and left as
// it was; so is any bad value (CheckInstall).
func (s *Service) Install(ctx context.Context, in InstallInput) (token string, err error) {
	in, err = CheckInstall(in)
	if err != nil {
		return "", err
	}
	_, token, err = store.InstallMunicipality(ctx, s.DB,
		models.Municipality{Code: in.MunicipalityCode, Name: in.MunicipalityName, CVR: in.CVR},
		models.NewUser{Email: in.AdminEmail, Name: in.AdminName, Role: models.RoleAdmin}, s.now())
	if ue, ok := models.AsUserError(err); ok && ue.Field == "email" {
		return "", models.RefuseField("admin_email", ue.Key, ue.Args...)
	}
	return token, err
}

// OperatorAccountLink makes a new one-time account link (7 days; the old
// ones die) for the active login of email, for an operator to hand over:
// the way back in when the first administrator's link expired unused.
// An unknown or deactivated address is models.ErrNotFound.
func (s *Service) OperatorAccountLink(ctx context.Context, email string) (models.User, string, error) {
	return store.OperatorAccountLink(ctx, s.DB, email, s.now())
}
