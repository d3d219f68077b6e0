package web

// HasMessage tells tests whether key has a text in language l.
func HasMessage(l, key string) bool {
	_, ok := messages[l][key]
	return ok
}
