package store_test

import (
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
	"github.com/valghalla/valghalla/store/storetest"
)

// Twilio may report on an SMS before the worker has recorded its SID: the
// report finds the message by the id in the callback URL, and the record of
// the send that follows does not turn a delivery or a failure back to sent.
func TestProviderReportsThatOvertakeTheSend(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		now := time.Now().UTC()
		for _, tc := range []struct {
			reports []string
			want    models.MessageStatus
		}{
			{[]string{"queued"}, models.MessageSent},
			{[]string{"sent", "delivered"}, models.MessageDelivered},
			{[]string{"undelivered"}, models.MessageFailed},
			{[]string{"failed", "delivered"}, models.MessageDelivered},
		} {
			m, err := store.PrepareMessage(ctx, db, models.Message{DedupeKey: "early-" + tc.reports[len(tc.reports)-1] +
				string(rune('a'+len(tc.reports))), Kind: models.KindInvitation, Channel: "sms"}, now)
			if err != nil {
				t.Fatal(err)
			}
			sid := "SM" + m.ID[:8]
			for _, r := range tc.reports {
				if _, err := store.RecordProviderStatus(ctx, db, sid, m.ID, r, "", now); err != nil {
					t.Fatalf("%v: report %s before the send: %v", tc.reports, r, err)
				}
			}
			if err := store.RecordAttempt(ctx, db, m.ID, models.ChannelSMS, models.MessageSent, sid, "", now); err != nil {
				t.Fatal(err)
			}
			got, err := store.MessageByID(ctx, db, m.ID)
			if err != nil || got.Status != tc.want || got.ProviderID != sid {
				t.Errorf("%v then sent: status %s provider %q (%v), want %s", tc.reports, got.Status, got.ProviderID, err, tc.want)
			}
		}
		// Without our id, an unknown SID is not ours.
		if _, err := store.RecordProviderStatus(ctx, db, "SMunknown", "", "delivered", "", now); err != models.ErrNotFound {
			t.Errorf("unknown SID without a message id: %v, want models.ErrNotFound", err)
		}
	})
}
