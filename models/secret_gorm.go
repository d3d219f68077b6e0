package models

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"gorm.io/gorm/schema"
)

// gorm serializer
//
// A model declares a field encrypted by giving it the type Secret; no tag is
// needed:
//
//	type Participant struct {
//		ID       int64
//		CPR      Secret // column "cpr", stored as "v1:<keyid>:<base64>"
//		CPRIndex string // vault.BlindIndex("cpr", ...), for lookups
//	}
//
// *Secret implements gorm's field serializer interface
// (schema.SerializerInterface), which gorm detects by the field's type, so
// nothing is registered in gorm's process-wide serializer registry. The
// serializer seals and opens with the Sealer in the statement's context
// (WithSealer); vault.Plugin puts the database's keyring there for every
// operation and vault.NewContext for one. Without one nothing is written and
// nothing is read (ErrNoKeyring): plaintext is never stored.
//
// AAD. A value is bound to "<table>.<column>" of its model (field.Schema.Table
// and field.DBName, e.g. "participants.cpr"): copied to another column or
// table it does not open. Renaming the table or column therefore needs the
// data re-encrypted, and a Raw(...).Scan into an ad-hoc struct has another
// table name; for both, pin the AAD with a struct tag:
//
//	CPR Secret `vault:"aad=participants.cpr"`
//
// NULL and the zero Secret are the same; a NOT NULL column gets an encrypted
// empty string instead. Prefer Secret to *Secret: gorm's type serializers
// cannot set a pointer field to nil, so a *Secret reads NULL as a pointer to
// the zero Secret. The rest of the trade-offs are in package vault.

// Sealer encrypts and decrypts a Secret's content bound to associated data
// (the AAD). vault.Keyring is the Sealer of the product.
type Sealer interface {
	Seal(plaintext, aad []byte) (string, error)
	Open(sealed string, aad []byte) ([]byte, error)
}

// ErrNoKeyring: a Secret was written or read through gorm without a Sealer
// in the context (no vault.Plugin on the database and no vault.NewContext).
var ErrNoKeyring = errors.New("vault: no keyring for this database operation (db.Use(vault.Plugin(k)) or db.WithContext(vault.NewContext(ctx, k)))")

type sealerKey struct{}

// WithSealer returns ctx carrying s, for the gorm serializer of Secret. A nil
// s leaves ctx without a Sealer.
func WithSealer(ctx context.Context, s Sealer) context.Context {
	return context.WithValue(ctx, sealerKey{}, s)
}

// SealerFrom returns the Sealer WithSealer put in ctx.
func SealerFrom(ctx context.Context) (Sealer, bool) {
	if ctx == nil {
		return nil, false
	}
	s, ok := ctx.Value(sealerKey{}).(Sealer)
	return s, ok && s != nil
}

var _ schema.SerializerInterface = (*Secret)(nil)

// Scan implements gorm's schema.SerializerInterface: it opens the column value
// into the receiver, which gorm then copies into the field. It is called by
// gorm, not by application code.
func (s *Secret) Scan(ctx context.Context, field *schema.Field, dst reflect.Value, dbValue any) error {
	var sealed string
	switch v := dbValue.(type) {
	case nil:
		*s = Secret{}
		return nil
	case string:
		sealed = v
	case []byte:
		sealed = string(v)
	default:
		return fmt.Errorf("vault: column %s: want text, got %T", field.DBName, dbValue)
	}
	if sealed == "" {
		*s = Secret{}
		return nil
	}
	k, ok := SealerFrom(ctx)
	if !ok {
		return ErrNoKeyring
	}
	aad, err := fieldAAD(field)
	if err != nil {
		return err
	}
	plain, err := k.Open(sealed, []byte(aad))
	if err != nil {
		return fmt.Errorf("vault: column %s: %w", aad, err)
	}
	*s = NewSecret(string(plain))
	return nil
}

// Value implements gorm's schema.SerializerValuerInterface: it seals the field
// value (a Secret or *Secret, passed as fieldValue; the receiver is unused)
// with the current key. It is called by gorm, not by application code.
func (*Secret) Value(ctx context.Context, field *schema.Field, dst reflect.Value, fieldValue any) (any, error) {
	var sec Secret
	switch v := fieldValue.(type) {
	case Secret:
		sec = v
	case *Secret:
		if v != nil {
			sec = *v
		}
	default:
		return nil, fmt.Errorf("vault: column %s: want models.Secret, got %T", field.DBName, fieldValue)
	}
	if sec.IsZero() && !field.NotNull {
		return nil, nil
	}
	k, ok := SealerFrom(ctx)
	if !ok {
		return nil, ErrNoKeyring
	}
	aad, err := fieldAAD(field)
	if err != nil {
		return nil, err
	}
	sealed, err := k.Seal([]byte(sec.Reveal()), []byte(aad))
	if err != nil {
		return nil, fmt.Errorf("vault: column %s: %w", aad, err)
	}
	return sealed, nil
}

// fieldAAD is the AAD of a model field: the `vault:"aad=..."` tag, or
// "<table>.<column>".
func fieldAAD(field *schema.Field) (string, error) {
	if tag, ok := field.Tag.Lookup("vault"); ok {
		aad, found := strings.CutPrefix(tag, "aad=")
		if !found || aad == "" {
			return "", fmt.Errorf("vault: field %s: tag vault:%q, want vault:\"aad=<table>.<column>\"", field.Name, tag)
		}
		return aad, nil
	}
	if field.Schema != nil && field.Schema.Table != "" {
		return field.Schema.Table + "." + field.DBName, nil
	}
	return field.DBName, nil
}
