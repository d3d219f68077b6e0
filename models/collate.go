package models

import (
	"slices"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
)

// SortDanish sorts items by key in Danish alphabetical order: … X, Y, Z, Æ,
// Ø, Å, and "Aa" as "Å" as Danish dictionaries do. The database's collation
// cannot be trusted for this: SQLite and a C-locale PostgreSQL sort bytes.
func SortDanish[T any](items []T, key func(T) string) {
	c := collate.New(language.Danish) // a Collator is not safe for concurrent use
	slices.SortStableFunc(items, func(a, b T) int { return c.CompareString(key(a), key(b)) })
}
