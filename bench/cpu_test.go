package bench

import (
	"os"
	"path/filepath"
	"testing"
)

// A process name may hold spaces and parentheses: the times are read after
// the last one.
func TestProcessTimesReadsPastTheName(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stat")
	line := "4242 (valghalla (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 75 3 4 20 0 9 0 1000 1 1\n"
	if err := os.WriteFile(path, []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	comm, own, children, ok := processTimes(path)
	if !ok || comm != "valghalla (x) y" || own != 325 || children != 7 {
		t.Fatalf("got %q %d %d %v, want the name, 250+75 and 3+4", comm, own, children, ok)
	}
	if _, _, _, ok := processTimes(filepath.Join(t.TempDir(), "gone")); ok {
		t.Error("a process that exited read as ok")
	}
}
