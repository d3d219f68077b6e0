package models

// Translate renders a refusal as a Danish reader sees it. Package models
// cannot import locale (locale imports models); locale_hook_test.go, an
// external test file, sets it.
var Translate func(err error) string
