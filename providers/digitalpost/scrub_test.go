package digitalpost

import "testing"

func TestScrub(t *testing.T) {
	cases := []struct{ in, want string }{
		{"recipient 0101704001 unknown", "recipient ********** unknown"},
		{"recipient 010170-4001 unknown", "recipient ********** unknown"},
		{"message 6f1c1c3e-5b7a-4d8e-9a51-000000001520 known", "message 6f1c1c3e-5b7a-4d8e-9a51-000000001520 known"},
		{"cvr 12345678", "cvr 12345678"},
	}
	for _, tc := range cases {
		if got := scrub(tc.in); got != tc.want {
			t.Errorf("scrub(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
