package models

import (
	"slices"
	"testing"
)

func TestChannelOrder(t *testing.T) {
	all := Reach{DigitalPost: true, Email: true, SMS: true}
	for _, c := range []struct {
		name string
		kind string
		r    Reach
		want []Channel
	}{
		{"default order", KindInvitation, all, []Channel{ChannelDigitalPost, ChannelEmail, ChannelSMS}},
		{"exempt from Digital Post", KindInvitation, Reach{Email: true, SMS: true}, []Channel{ChannelEmail, ChannelSMS}},
		{"prefers SMS", KindInvitation, Reach{DigitalPost: true, Email: true, SMS: true, Preferred: ChannelSMS},
			[]Channel{ChannelSMS, ChannelDigitalPost, ChannelEmail}},
		{"prefers e-mail", KindConfirmation, Reach{DigitalPost: true, Email: true, Preferred: ChannelEmail},
			[]Channel{ChannelEmail, ChannelDigitalPost}},
		{"prefers a channel that cannot reach them", KindInvitation, Reach{DigitalPost: true, SMS: true, Preferred: ChannelEmail},
			[]Channel{ChannelDigitalPost, ChannelSMS}},
		{"removal by validation goes by Digital Post first", KindRemovedByValidation,
			Reach{DigitalPost: true, Email: true, SMS: true, Preferred: ChannelSMS}, []Channel{ChannelDigitalPost, ChannelEmail, ChannelSMS}},
		{"opted out of SMS, no e-mail, exempt", KindInvitation, Reach{}, []Channel{}},
		{"only SMS", KindTaskReminder, Reach{SMS: true, Preferred: ChannelDigitalPost}, []Channel{ChannelSMS}},
	} {
		if got := ChannelOrder(c.kind, c.r); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
