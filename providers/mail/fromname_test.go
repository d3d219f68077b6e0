package mail

import (
	"context"
	"errors"
	"testing"
)

// A message's own sender name (the municipality's e-mail sender name) wins
// over the configured one; a line break in it is refused.
func TestSendUsesTheMessagesFromName(t *testing.T) {
	srv := startFake(t)
	s := mustSender(t, fakeConfig(srv))
	m := testMessage()
	m.FromName = "Valgsekretariatet, Sønderå Kommune"
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if r := srv.Messages()[0]; r.From.Name != m.FromName || r.From.Address != "valg@naestved.example" {
		t.Errorf("From = %q <%s>", r.From.Name, r.From.Address)
	}
	m.FromName = "Valg\r\nBcc: x@example.dk"
	var e *Error
	if err := s.Send(context.Background(), m); !errors.As(err, &e) || e.Stage != "validate" || !IsPermanent(err) {
		t.Fatalf("a line break in the sender name: %v", err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("%d messages sent", n)
	}
}
