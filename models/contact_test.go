package models

import "testing"

func TestContactOfUsesTheMembershipOnlyWhenItHasContactData(t *testing.T) {
	idx := "index-v"
	p := Participant{ID: 1, Name: "Åse", Mobile: NewSecret("+4520000001"), Email: NewSecret("a@example.dk"), PreferredChannel: ChannelEmail}
	typed := PartyMembership{Mobile: NewSecret("+4530000002"), MobileIndex: &idx, PreferredChannel: ChannelSMS}
	if got := ContactOf(p, typed); got.Mobile.Reveal() != "+4530000002" || got.Email.Reveal() != "" || got.PreferredChannel != ChannelSMS ||
		got.MobileIndex != &idx || got.Name != "Åse" {
		t.Errorf("with typed data: %q %q %q", got.Mobile.Reveal(), got.Email.Reveal(), got.PreferredChannel)
	}
	if got := ContactOf(p, PartyMembership{PreferredChannel: ChannelSMS}); got.Mobile.Reveal() != "+4520000001" || got.PreferredChannel != ChannelEmail {
		t.Errorf("without typed data: %q %q", got.Mobile.Reveal(), got.PreferredChannel)
	}
	// What a party secretary is shown: the membership's, even empty.
	if got := WithMembershipData(p, PartyMembership{}); got.Mobile.Reveal() != "" || got.Email.Reveal() != "" {
		t.Errorf("a party without typed data is shown %q %q", got.Mobile.Reveal(), got.Email.Reveal())
	}
}
