package web

import "github.com/valghalla/valghalla/locale"

// HasMessage tells tests whether key has a text in language l.
func HasMessage(l, key string) bool { return locale.Has(l, key) }
