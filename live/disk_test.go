package live

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
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

// TestFileDiskTellsCorruptionFromATornTail: a byte flipped in a record
// with more records after it is corruption: OpenFileDisk fails with a
// *CorruptError naming the file and the record's offset, and the file is
// left byte for byte as it was. A torn tail (the last record cut short,
// or zeros past the last record) is cut, and TornTail reports how many
// bytes went.
func TestFileDiskTellsCorruptionFromATornTail(t *testing.T) {
	dir := t.TempDir()
	d, _ := OpenFileDisk(dir)
	var offsets []int
	size := 0
	for i := range 100 {
		offsets = append(offsets, size)
		rec := appendRecord(nil, recPut, "k"+strconv.Itoa(i), []byte("value"))
		size += len(rec)
		d.Put("k"+strconv.Itoa(i), []byte("value"))
		d.Sync()
	}
	d.Close()
	path := filepath.Join(dir, "journal-0")
	orig, _ := os.ReadFile(path)
	if len(orig) != size {
		t.Fatalf("journal is %d bytes; the test expects %d", len(orig), size)
	}
	bad := slices.Clone(orig)
	bad[offsets[50]+3] ^= 0x40 // inside record 50 of 100
	os.WriteFile(path, bad, 0o644)
	_, err := OpenFileDisk(dir)
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.Path != path || ce.Offset != int64(offsets[50]) || ce.After != int64(size-offsets[50]) {
		t.Fatalf("a flipped byte mid-journal: %v; want a CorruptError at %s byte %d", err, path, offsets[50])
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "byte "+strconv.Itoa(offsets[50])) || strings.Contains(err.Error(), "\n") {
		t.Errorf("the error is not one line naming the file and offset: %q", err)
	}
	if now, _ := os.ReadFile(path); !bytes.Equal(now, bad) {
		t.Fatalf("the corrupt journal was changed: %d bytes, was %d", len(now), len(bad))
	}

	for _, tc := range []struct {
		name string
		file []byte
		cut  int64
	}{
		{"the last record cut short", orig[:len(orig)-3], int64(len(orig) - 3 - offsets[99])},
		{"the last record's checksum broken", append(slices.Clone(orig[:len(orig)-1]), orig[len(orig)-1]^1), int64(len(orig) - offsets[99])},
		{"zeros past the last record", append(slices.Clone(orig), make([]byte, 4096)...), 4096},
	} {
		os.WriteFile(path, tc.file, 0o644)
		d, err := OpenFileDisk(dir)
		if err != nil {
			t.Fatalf("%s: %v; want the tail cut", tc.name, err)
		}
		if _, off, cut := d.TornTail(); cut != tc.cut || off+cut != int64(len(tc.file)) {
			t.Errorf("%s: TornTail offset %d, cut %d; want %d bytes cut to the end", tc.name, off, cut, tc.cut)
		}
		if v, ok := d.Get("k98"); !ok || string(v) != "value" {
			t.Errorf("%s: a whole record before the tail was lost", tc.name)
		}
		d.Close()
	}
}
