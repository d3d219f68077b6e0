package activities

import (
	"context"

	"github.com/valghalla/valghalla/store"
)

// Purged counts what a purge deleted.
type Purged = store.Purged

// Purge deletes expired sessions, old login attempts and long expired
// account links (store.Purge); the counts are all the history keeps.
func (a *Activities) Purge(ctx context.Context) (Purged, error) {
	return store.Purge(ctx, a.DB, a.now())
}
