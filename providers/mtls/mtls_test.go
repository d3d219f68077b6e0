package mtls

import (
	"testing"
	"time"
)

func TestRetryWithin(t *testing.T) {
	def := Retry{Max: 3, WaitMin: time.Second, WaitMax: 4 * time.Second}
	for _, c := range []struct {
		in, want Retry
	}{
		{Retry{}, def},
		{Retry{Max: -1}, Retry{Max: 0, WaitMin: time.Second, WaitMax: 4 * time.Second}},
		{Retry{Max: 99}, Retry{Max: 10, WaitMin: time.Second, WaitMax: 4 * time.Second}},
		{Retry{Max: 2, WaitMin: 8 * time.Second}, Retry{Max: 2, WaitMin: 8 * time.Second, WaitMax: 8 * time.Second}},
	} {
		if got := c.in.Within(def, 10); got != c.want {
			t.Errorf("%+v.Within = %+v, want %+v", c.in, got, c.want)
		}
	}
}
