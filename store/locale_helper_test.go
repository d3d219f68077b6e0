package store_test

import (
	"github.com/valghalla/valghalla/locale"
	"github.com/valghalla/valghalla/models"
)

// danish is a refusal as a Danish reader sees it: the catalog's sentence.
func danish(ue *models.UserError) string {
	if ue == nil {
		return ""
	}
	return locale.Error(locale.Danish, ue)
}
