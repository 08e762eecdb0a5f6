package live

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/faultline-sim/faultline/internal/wire"
	"github.com/faultline-sim/faultline/sim"
)

// FileDisk is a sim.Disk kept in a directory, with the simulator's fsync
// semantics made real: writes are visible to the node at once but reach
// the file only at Sync, which appends them to a journal and fsyncs it.
// Closing a disk without a Sync (a kill) therefore loses exactly the
// writes the simulator's crash loses. Sync completes before it returns,
// like the simulator's immediate disk, so nodes never hear SyncDone.
//
// On disk: "snapshot" (the whole state at some generation g, written
// beside and renamed into place) and "journal-g" (records since then).
// Every record carries a CRC-32C. A torn tail, left by a machine crash in
// the middle of a write (an incomplete last record, a last record whose
// checksum fails, or zeros the file system left past the last record), is
// cut off and reported (TornTail). A bad record with more data after it
// is corruption, not a crash: OpenFileDisk fails with a *CorruptError
// naming the file and offset and leaves the file as it is.
type FileDisk struct {
	dir       string
	kv        map[string][]byte
	logs      map[string][][]byte
	pending   []byte // encoded records not yet synced
	journal   *os.File
	gen       uint64
	journalSz int64
	requested sim.SyncID
	closed    bool
	tornAt    int64 // where a torn tail was cut at open (-1: none)
	tornBytes int64 // how many bytes were cut
}

// CorruptError is a journal or snapshot whose bad record is followed by
// more data: not a torn write, so nothing is cut and the node does not
// start on it.
type CorruptError struct {
	Path   string
	Offset int64 // where the first bad record starts
	After  int64 // bytes from there to the end of the file
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("%s: corrupt record at byte %d with %d bytes after it: not a torn tail, so the file is left as it is (restore this node's data directory, or move it aside to start the node empty and let its peers catch it up)", e.Path, e.Offset, e.After)
}

// TornTail is where a torn tail of the journal was cut when the disk was
// opened, and how many bytes were cut (0, 0: none).
func (d *FileDisk) TornTail() (path string, offset, cut int64) {
	if d.tornBytes == 0 {
		return "", 0, 0
	}
	return d.journalPath(), d.tornAt, d.tornBytes
}

// The record kinds.
const (
	recPut byte = iota + 1
	recDelete
	recAppend
)

// compactAt is the journal size past which a Sync rewrites the snapshot,
// if the journal is also more than twice the live state.
const compactAt = 4 << 20

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

var errCorruptRecord = errors.New("corrupt disk record")

// OpenFileDisk opens (creating if needed) the disk kept in dir.
func OpenFileDisk(dir string) (*FileDisk, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	d := &FileDisk{dir: dir, kv: map[string][]byte{}, logs: map[string][][]byte{}, tornAt: -1}
	if b, err := os.ReadFile(filepath.Join(dir, "snapshot")); err == nil {
		gen, rest, ok := strings.Cut(string(b), "\n")
		g, perr := strconv.ParseUint(gen, 10, 64)
		if !ok || perr != nil {
			return nil, fmt.Errorf("%s: not a Faultline disk snapshot", filepath.Join(dir, "snapshot"))
		}
		d.gen = g
		if n := d.replay([]byte(rest)); n != len(rest) {
			return nil, fmt.Errorf("%s: %w at byte %d", filepath.Join(dir, "snapshot"), errCorruptRecord, len(gen)+1+n)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if err := d.openJournal(); err != nil {
		return nil, err
	}
	return d, nil
}

// openJournal replays journal-gen, cuts a torn tail, and opens it for
// appending; journals of other generations are leftovers of a compaction
// a crash interrupted.
func (d *FileDisk) openJournal() error {
	path := d.journalPath()
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	good := d.replay(b)
	if good != len(b) {
		if !tornTail(b, good) {
			return &CorruptError{Path: path, Offset: int64(good), After: int64(len(b) - good)}
		}
		d.tornAt, d.tornBytes = int64(good), int64(len(b)-good)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if good != len(b) {
		if err := f.Truncate(int64(good)); err != nil {
			f.Close()
			return err
		}
	}
	if _, err := f.Seek(int64(good), io.SeekStart); err != nil {
		f.Close()
		return err
	}
	d.journal, d.journalSz = f, int64(good)
	old, _ := filepath.Glob(filepath.Join(d.dir, "journal-*"))
	for _, o := range old {
		if o != path {
			os.Remove(o)
		}
	}
	return nil
}

func (d *FileDisk) journalPath() string {
	return filepath.Join(d.dir, "journal-"+strconv.FormatUint(d.gen, 10))
}

// tornTail reports whether the bytes of b from off, where replay
// stopped, are what a write cut short by a crash leaves: one record that
// runs past the end of the file or ends exactly there, or zeros to the
// end. Anything else has a bad record followed by more data: corruption.
func tornTail(b []byte, off int) bool {
	rest := b[off:]
	if !slices.ContainsFunc(rest, func(c byte) bool { return c != 0 }) {
		return true
	}
	n, k := binary.Uvarint(rest)
	if k <= 0 {
		return len(rest) < binary.MaxVarintLen64 // a length cut short
	}
	return uint64(len(rest)-k) <= n+4 // runs past the end, or ends there
}

// replay applies the records in b and returns how many bytes were whole,
// checksummed records.
func (d *FileDisk) replay(b []byte) int {
	off := 0
	for off < len(b) {
		n, k := binary.Uvarint(b[off:])
		if rem := len(b) - off - k - 4; k <= 0 || rem < 0 || n > uint64(rem) {
			return off
		}
		body := b[off+k : off+k+int(n)]
		sum := binary.BigEndian.Uint32(b[off+k+int(n):])
		if crc32.Checksum(body, castagnoli) != sum || d.apply(body) != nil {
			return off
		}
		off += k + int(n) + 4
	}
	return off
}

func (d *FileDisk) apply(body []byte) error {
	r := wire.NewReader(body, errCorruptRecord)
	kind, name, value := r.Byte(), r.Str(), []byte(r.Str())
	if r.Err() != nil || r.Remaining() != 0 {
		return errCorruptRecord
	}
	switch kind {
	case recPut:
		d.kv[name] = value
	case recDelete:
		delete(d.kv, name)
	case recAppend:
		d.logs[name] = append(d.logs[name], value)
	default:
		return errCorruptRecord
	}
	return nil
}

// appendRecord encodes one record onto dst.
func appendRecord(dst []byte, kind byte, name string, value []byte) []byte {
	var w wire.Writer
	w.Byte(kind)
	w.Str(name)
	w.Str(string(value))
	body := w.Bytes()
	dst = binary.AppendUvarint(dst, uint64(len(body)))
	dst = append(dst, body...)
	return binary.BigEndian.AppendUint32(dst, crc32.Checksum(body, castagnoli))
}

func (d *FileDisk) Put(key string, value []byte) {
	v := slices.Clone(value)
	d.kv[key] = v
	d.pending = appendRecord(d.pending, recPut, key, v)
}

func (d *FileDisk) Get(key string) ([]byte, bool) {
	v, ok := d.kv[key]
	return v, ok
}

func (d *FileDisk) Delete(key string) {
	delete(d.kv, key)
	d.pending = appendRecord(d.pending, recDelete, key, nil)
}

func (d *FileDisk) Keys(prefix string) []string {
	var keys []string
	for k := range d.kv {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

func (d *FileDisk) Append(log string, record []byte) {
	r := slices.Clone(record)
	d.logs[log] = append(d.logs[log], r)
	d.pending = appendRecord(d.pending, recAppend, log, r)
}

func (d *FileDisk) Log(log string) [][]byte { return d.logs[log] }

// Sync writes every pending record to the journal and fsyncs it. A disk
// that cannot write panics: the node's handler stops there, the runtime
// takes the node down, and nothing it said after the failed sync leaves.
func (d *FileDisk) Sync() sim.SyncID {
	if d.closed {
		panic("live: Sync on a closed disk")
	}
	d.requested++
	if len(d.pending) > 0 {
		if _, err := d.journal.Write(d.pending); err != nil {
			panic(fmt.Sprintf("live: disk %s: %v", d.dir, err))
		}
		d.journalSz += int64(len(d.pending))
		d.pending = d.pending[:0]
	}
	if err := d.journal.Sync(); err != nil {
		panic(fmt.Sprintf("live: disk %s: fsync: %v", d.dir, err))
	}
	if d.journalSz > compactAt && d.journalSz > 2*d.liveSize() {
		if err := d.compact(); err != nil {
			panic(fmt.Sprintf("live: disk %s: compaction: %v", d.dir, err))
		}
	}
	return d.requested
}

func (d *FileDisk) Synced() sim.SyncID    { return d.requested }
func (d *FileDisk) Requested() sim.SyncID { return d.requested }

func (d *FileDisk) liveSize() int64 {
	var n int64
	for k, v := range d.kv {
		n += int64(len(k) + len(v) + 8)
	}
	for k, rs := range d.logs {
		for _, r := range rs {
			n += int64(len(k) + len(r) + 8)
		}
	}
	return n
}

// compact writes the whole state as snapshot generation gen+1 (beside it,
// fsynced, renamed into place, directory fsynced), then starts the empty
// journal of that generation. A crash at any point leaves either the old
// snapshot and journal or the new snapshot (and no journal: empty).
func (d *FileDisk) compact() error {
	buf := []byte(strconv.FormatUint(d.gen+1, 10) + "\n")
	for _, k := range slices.Sorted(maps.Keys(d.kv)) {
		buf = appendRecord(buf, recPut, k, d.kv[k])
	}
	for _, k := range slices.Sorted(maps.Keys(d.logs)) {
		for _, r := range d.logs[k] {
			buf = appendRecord(buf, recAppend, k, r)
		}
	}
	if err := writeDurably(filepath.Join(d.dir, "snapshot"), buf); err != nil {
		return err
	}
	d.journal.Close()
	d.gen++
	return d.openJournal()
}

// writeDurably replaces path with b so that a crash leaves either the old
// or the new content.
func writeDurably(path string, b []byte) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	dir, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer dir.Close()
	return dir.Sync()
}

// Close releases the disk, dropping every write not yet synced: what a
// killed process leaves behind.
func (d *FileDisk) Close() error {
	if d.closed {
		return nil
	}
	d.closed = true
	d.pending = nil
	return d.journal.Close()
}
