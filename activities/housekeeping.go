package activities

import (
	"context"

	"github.com/valghalla/valghalla/store"
)

// Purged counts what a purge deleted.
type Purged = store.Purged

// Purge deletes expired sessions, old login attempts, long expired
// account links and password resets, and the answer tokens of long ended
// invitations (store.Purge); the counts are all the history keeps.
func (a *Activities) Purge(ctx context.Context) (Purged, error) {
	return store.Purge(ctx, a.DB, a.now())
}
