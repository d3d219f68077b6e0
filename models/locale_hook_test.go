package models_test

import (
	"github.com/valghalla/valghalla/locale"
	"github.com/valghalla/valghalla/models"
)

func init() {
	models.Translate = func(err error) string { return locale.Error(locale.Danish, err) }
}
