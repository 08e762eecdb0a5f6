package live

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestFileDiskKeepsOnlySyncedWrites: a disk closed without a Sync (a
// killed process) comes back with exactly the writes the last Sync
// covered, as the simulator's crash leaves it.
func TestFileDiskKeepsOnlySyncedWrites(t *testing.T) {
	dir := t.TempDir()
	d, err := OpenFileDisk(dir)
	if err != nil {
		t.Fatal(err)
	}
	d.Put("a", []byte("1"))
	d.Append("log", []byte("r1"))
	d.Put("gone", []byte("x"))
	d.Delete("gone")
	if id := d.Sync(); id != 1 || d.Synced() != 1 || d.Requested() != 1 {
		t.Fatalf("first sync: id %d, synced %d, requested %d; want 1", id, d.Synced(), d.Requested())
	}
	d.Put("a", []byte("2"))
	d.Put("b", []byte("unsynced"))
	d.Append("log", []byte("r2"))
	if v, _ := d.Get("a"); string(v) != "2" {
		t.Fatalf("an unsynced write is not visible to the node: a = %q", v)
	}
	d.Close()

	d, err = OpenFileDisk(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if v, _ := d.Get("a"); string(v) != "1" {
		t.Errorf("a = %q after the kill, want the synced 1", v)
	}
	if _, ok := d.Get("b"); ok {
		t.Error("an unsynced Put survived the kill")
	}
	if _, ok := d.Get("gone"); ok {
		t.Error("a synced Delete did not survive")
	}
	if got := d.Log("log"); len(got) != 1 || string(got[0]) != "r1" {
		t.Errorf("log = %q, want [r1]", got)
	}
}

// TestFileDiskCutsATornTail: a journal whose last record was cut short
// (a machine crash mid-write) opens with every whole record before it.
func TestFileDiskCutsATornTail(t *testing.T) {
	dir := t.TempDir()
	d, _ := OpenFileDisk(dir)
	d.Put("a", []byte("1"))
	d.Sync()
	d.Put("b", []byte("22222222"))
	d.Sync()
	d.Close()
	path := filepath.Join(dir, "journal-0")
	b, _ := os.ReadFile(path)
	for cut := 1; cut < 8; cut++ {
		os.WriteFile(path, b[:len(b)-cut], 0o644)
		d, err := OpenFileDisk(dir)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := d.Get("b"); ok {
			t.Fatalf("cut %d: the torn record was read", cut)
		}
		if v, _ := d.Get("a"); string(v) != "1" {
			t.Fatalf("cut %d: the whole record before the tear was lost", cut)
		}
		d.Put("c", []byte("3")) // the journal goes on from the cut
		d.Sync()
		d.Close()
		d, _ = OpenFileDisk(dir)
		if v, _ := d.Get("c"); string(v) != "3" {
			t.Fatalf("cut %d: a write after the cut was lost", cut)
		}
		d.Close()
		os.WriteFile(path, b, 0o644)
	}
}

// TestFileDiskCompacts: past the compaction threshold the journal is
// rewritten as a snapshot, and the state reads back the same.
func TestFileDiskCompacts(t *testing.T) {
	dir := t.TempDir()
	d, _ := OpenFileDisk(dir)
	big := make([]byte, 64<<10)
	for i := range 100 {
		d.Put("k", append(big, byte(i)))
		d.Append("log", []byte(fmt.Sprint(i)))
		d.Sync()
	}
	if d.gen == 0 {
		t.Fatal("6 MB of overwrites never compacted")
	}
	d.Put("unsynced", []byte("x"))
	d.Close()
	d, err := OpenFileDisk(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if v, _ := d.Get("k"); len(v) != len(big)+1 || v[len(big)] != 99 {
		t.Fatal("k lost its last synced value across compaction")
	}
	if got := d.Log("log"); len(got) != 100 || string(got[99]) != "99" {
		t.Fatalf("log has %d records after compaction, want 100", len(got))
	}
	if _, ok := d.Get("unsynced"); ok {
		t.Fatal("an unsynced write survived")
	}
	if keys := d.Keys(""); !slices.Equal(keys, []string{"k"}) {
		t.Fatalf("keys %v", keys)
	}
	journals, _ := filepath.Glob(filepath.Join(dir, "journal-*"))
	if len(journals) != 1 {
		t.Fatalf("journals left behind: %v", journals)
	}
}
