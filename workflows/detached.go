package workflows

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"
)

// StartDetached starts a workflow with start in the background and returns
// at once, so that a public page answers as fast whether or not something
// is sent (a password reset, a Min side link): its timing tells nobody
// whether an address is known. A failed start, or no Temporal client, is
// logged as what with the record's id under idKey.
func StartDetached(ctx context.Context, c client.Client, log *slog.Logger, what, idKey string, id int64,
	start func(context.Context, client.Client) error) {
	if c == nil {
		log.ErrorContext(ctx, what, idKey, id, "error", "no Temporal client")
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	go func() {
		defer cancel()
		defer func() {
			if p := recover(); p != nil {
				log.ErrorContext(ctx, what, idKey, id, "error", fmt.Sprint(p))
			}
		}()
		if err := start(ctx, c); err != nil {
			log.ErrorContext(ctx, what, idKey, id, "error", err)
		}
	}()
}
