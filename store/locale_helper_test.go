package store_test

import (
	"errors"
	"strings"

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

// danishErr is what a Danish page shows for err: the sentences of every
// refusal a plan or template error holds, or the one refusal.
func danishErr(err error) string {
	var parts []string
	var te *models.TemplateError
	var refused *models.PlanRefused
	switch {
	case errors.As(err, &te):
		for _, fe := range models.MergeFieldErrors(err) {
			parts = append(parts, danish(fe.Refusal()))
		}
		for _, p := range te.Problems {
			parts = append(parts, danish(p))
		}
	case errors.As(err, &refused):
		for _, p := range refused.Problems {
			parts = append(parts, danish(p))
		}
	default:
		return locale.Error(locale.Danish, err)
	}
	return strings.Join(parts, "\n")
}
