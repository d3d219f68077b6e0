package models

// Reach is what is known about how a person can be reached: which channels
// could carry a message to them at all, and what they prefer.
type Reach struct {
	DigitalPost bool // a CPR number, not exempt, and the municipality sends Digital Post
	Email       bool // an e-mail address, and the worker sends e-mail
	SMS         bool // a mobile number that has not opted out, and the worker sends SMS
	Preferred   Channel
}

// digitalPostFirst are the kinds that go by Digital Post whatever the person
// prefers: a removal after re-validation rests on the CPR register (death,
// guardianship, moving), which belongs in the secure mailbox.
var digitalPostFirst = map[string]bool{KindRemovedByValidation: true}

// ChannelOrder returns the channels to try for a message of a kind, best
// first: Digital Post unless the person is exempt, then e-mail, then SMS
// (DOMAIN.md) — or the person's stated preference first, where the kind
// allows it. A channel that cannot reach the person is left out; a
// permanent failure on one channel falls through to the next. An empty
// order means nothing can reach the person.
func ChannelOrder(kind string, r Reach) []Channel {
	can := map[Channel]bool{ChannelDigitalPost: r.DigitalPost, ChannelEmail: r.Email, ChannelSMS: r.SMS}
	order := make([]Channel, 0, 3)
	if r.Preferred != ChannelDefault && can[r.Preferred] && !digitalPostFirst[kind] {
		order = append(order, r.Preferred)
	}
	for _, c := range []Channel{ChannelDigitalPost, ChannelEmail, ChannelSMS} {
		if can[c] && (len(order) == 0 || order[0] != c) {
			order = append(order, c)
		}
	}
	return order
}
