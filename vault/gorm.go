package vault

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
)

// gorm integration
//
// A model declares a field encrypted by giving it the type models.Secret; no
// tag is needed:
//
//	type Participant struct {
//		ID       int64
//		CPR      models.Secret // column "cpr", stored as "v1:<keyid>:<base64>"
//		CPRIndex string        // vault.BlindIndex("cpr", ...), for lookups
//	}
//
// and the database gets the keyring once, after opening:
//
//	db.Use(vault.Plugin(keyring))
//
// Design. *models.Secret implements gorm's field serializer interface
// (schema.SerializerInterface), which gorm detects by the field's type, so
// nothing is registered in gorm's process-wide serializer registry and no
// package-level variable holds a keyring. The serializer finds the keyring in
// the statement's context, as a models.Sealer (models imports nothing of the
// product, so it names an interface and vault fills it): Plugin adds a callback that runs first in every
// create, query, update, delete, row and raw operation and puts the
// database's keyring there. Each *gorm.DB thus has its own keyring (tests in
// parallel, a rotation tool holding two configurations), and
// db.WithContext(vault.NewContext(ctx, k)) overrides it for one operation.
// The serializer gets the field, so the AAD can name the column, which a
// sql.Scanner / driver.Valuer could not (they see neither the column nor a
// context; they would need both a global keyring and a per-field AAD
// declared by hand).
//
// The trade-offs: the keyring travels in a context value, so a path that
// scans without running gorm callbacks (db.ScanRows on *sql.Rows, a
// statement built on a different *gorm.DB) gets ErrNoKeyring until it is
// given vault.NewContext. That fails closed: without a keyring nothing is
// written and nothing is read, and plaintext is never stored.
//
// AAD. A value is bound to "<table>.<column>" of its model (field.Schema.Table
// and field.DBName, e.g. "participants.cpr"): copied to another column or
// table it does not open. Renaming the table or column therefore needs the
// data re-encrypted, and a Raw(...).Scan into an ad-hoc struct has another
// table name; for both, pin the AAD with a struct tag:
//
//	CPR models.Secret `vault:"aad=participants.cpr"`
//
// The row id is not part of the AAD (it is not known before an INSERT with an
// auto-increment key), so a value copied to another row of the same column
// still opens; use Keyring.Seal with your own AAD where that matters.
//
// NULL and the zero Secret are the same; a NOT NULL column gets an encrypted
// empty string instead. Prefer Secret to *Secret: gorm's type serializers
// cannot set a pointer field to nil, so a *Secret reads NULL as a pointer to
// the zero Secret.
//
// gorm runs serializers only for model fields: Save, Create, Updates with a
// struct, Find/First/Scan into a struct. Update("cpr", secret), Updates with
// a map, and a Secret as a query argument (Where("cpr = ?", secret)) bypass
// them; the driver then refuses the Secret struct, so these fail rather than
// store plaintext. Look rows up by their blind index instead.

// ErrNoKeyring: a Secret was written or read through gorm without a keyring
// (no Plugin on the database and no NewContext). It is models.ErrNoKeyring.
var ErrNoKeyring = models.ErrNoKeyring

// NewContext returns ctx carrying k, for the gorm serializer of
// models.Secret. It takes precedence over the keyring of Plugin.
func NewContext(ctx context.Context, k *Keyring) context.Context {
	if k == nil {
		return models.WithSealer(ctx, nil)
	}
	return models.WithSealer(ctx, k)
}

// FromContext returns the keyring NewContext put in ctx.
func FromContext(ctx context.Context) (*Keyring, bool) {
	s, ok := models.SealerFrom(ctx)
	if !ok {
		return nil, false
	}
	k, ok := s.(*Keyring)
	return k, ok && k != nil
}

// Plugin returns the gorm plugin that gives every operation on the database
// the keyring k: db.Use(vault.Plugin(k)). A database takes one (gorm reports
// gorm.ErrRegistered for a second).
func Plugin(k *Keyring) gorm.Plugin { return plugin{k: k} }

type plugin struct{ k *Keyring }

func (plugin) Name() string { return "vault" }

func (p plugin) Initialize(db *gorm.DB) error {
	if p.k == nil || p.k.current == "" {
		return errors.New("vault: Plugin needs a keyring")
	}
	set := func(tx *gorm.DB) {
		if _, ok := models.SealerFrom(tx.Statement.Context); !ok {
			ctx := tx.Statement.Context
			if ctx == nil {
				ctx = context.Background()
			}
			tx.Statement.Context = NewContext(ctx, p.k)
		}
	}
	const name = "vault:keyring"
	cb := db.Callback()
	for _, err := range []error{
		cb.Create().Before("*").Register(name, set),
		cb.Query().Before("*").Register(name, set),
		cb.Update().Before("*").Register(name, set),
		cb.Delete().Before("*").Register(name, set),
		cb.Row().Before("*").Register(name, set),
		cb.Raw().Before("*").Register(name, set),
	} {
		if err != nil {
			return fmt.Errorf("vault: register gorm callback: %w", err)
		}
	}
	return nil
}
