package models

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// However many log in at once, at most maxHashing argon2id derivations
// (64 MiB each) run at the same time; the rest wait their turn.
func TestPasswordHashingIsBounded(t *testing.T) {
	hash, err := HashPassword("en lang adgangskode")
	if err != nil {
		t.Fatal(err)
	}
	var running, most atomic.Int32
	real := idKey
	idKey = func(password, salt []byte, tm, memory uint32, threads uint8, keyLen uint32) []byte {
		n := running.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(5 * time.Millisecond) // hold the slot, so that others pile up
		defer running.Add(-1)
		return real(password, salt, 1, 8, 1, keyLen) // cheap: the count is what is tested
	}
	t.Cleanup(func() { idKey = real })

	var wg sync.WaitGroup
	for range 5 * maxHashing {
		wg.Go(func() { VerifyPassword(hash, "forkert adgangskode") })
	}
	wg.Wait()
	if got := most.Load(); got > maxHashing || got < 2 {
		t.Errorf("at most %d derivations ran at once, want between 2 and %d", got, maxHashing)
	}
}
