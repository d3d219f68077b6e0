package models

import (
	"errors"
	"fmt"
)

// UserError is what a person did wrong or may not do, as a key of the
// locale catalogs and the values its sentence takes. It holds no sentence:
// the page or API that shows it translates it into the reader's language
// (package locale).
type UserError struct {
	// Key names the sentence in the catalogs, e.g. "error.user.email".
	Key string
	// Args fill the sentence's verbs in order.
	Args []any
	// Field names the form or JSON field at fault; empty when the error is
	// about the request as a whole.
	Field string
}

// Refuse returns a UserError with key and args.
func Refuse(key string, args ...any) *UserError { return &UserError{Key: key, Args: args} }

// RefuseField returns a UserError about one field.
func RefuseField(field, key string, args ...any) *UserError {
	return &UserError{Key: key, Args: args, Field: field}
}

// Error gives the key only: the args may carry what a person typed, and an
// error's text reaches logs.
func (e *UserError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s (field %s)", e.Key, e.Field)
	}
	return e.Key
}

// AsUserError finds a UserError in err's chain.
func AsUserError(err error) (*UserError, bool) {
	var ue *UserError
	ok := errors.As(err, &ue)
	return ue, ok
}

// TextKey is an argument of a UserError that is itself a catalog key (a
// state's or a kind's name, say): it is translated into the reader's
// language before it fills the sentence.
type TextKey string
