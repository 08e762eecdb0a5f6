package machines

import (
	"fmt"
	"sort"
)

// Limits of the key-value store, from the rabia-kvstore seed.
const (
	MaxKeyBytes   = 256
	MaxValueBytes = 1 << 20
	MaxKeys       = 1_000_000
)

// Entry is one stored value and its version: the number of writes (put or
// append) to the key since it was last created, starting at 1. Deleting a
// key forgets its version, as etcd's per-key version does.
type Entry struct {
	Value   string
	Version uint64
}

// KV is the seed's key-value store with Set/Get/Delete/Exists, plus Append
// so Jepsen-style kv histories map onto it one to one. Every operation
// validates its key first (key_empty, key_too_long).
//
// Apply vocabulary (Key is the key): get (null; answers the string, "" when
// missing), put (string; answers the new version), append (string; answers
// the new version), delete (null; answers whether the key existed), exists
// (null; answers a bool).
type KV struct {
	entries map[string]Entry
	maxKeys int // MaxKeys; smaller in tests so "store is full" is reachable
	hash    hashCache
}

// NewKV returns an empty store.
func NewKV() *KV { return &KV{entries: map[string]Entry{}, maxKeys: MaxKeys} }

func checkKey(key string) error {
	switch {
	case key == "":
		return ErrKeyEmpty
	case len(key) > MaxKeyBytes:
		return ErrKeyTooLong
	}
	return nil
}

// Get returns the entry for key and whether it exists.
func (s *KV) Get(key string) (Entry, bool, error) {
	if err := checkKey(key); err != nil {
		return Entry{}, false, err
	}
	e, ok := s.entries[key]
	return e, ok, nil
}

// Exists reports whether key is stored.
func (s *KV) Exists(key string) (bool, error) {
	_, ok, err := s.Get(key)
	return ok, err
}

// Set stores value under key and returns the entry's new version.
func (s *KV) Set(key, value string) (uint64, error) {
	return s.write(key, value, false)
}

// Append appends suffix to key's value (creating it if missing) and returns
// the new version. The resulting value must fit MaxValueBytes.
func (s *KV) Append(key, suffix string) (uint64, error) {
	return s.write(key, suffix, true)
}

func (s *KV) write(key, value string, appending bool) (uint64, error) {
	if err := checkKey(key); err != nil {
		return 0, err
	}
	old, exists := s.entries[key]
	if appending {
		if len(old.Value)+len(value) > MaxValueBytes {
			return 0, ErrValueTooLarge
		}
		value = old.Value + value
	} else if len(value) > MaxValueBytes {
		return 0, ErrValueTooLarge
	}
	if !exists && len(s.entries) >= s.maxKeys {
		return 0, ErrStoreFull
	}
	e := Entry{Value: value, Version: old.Version + 1}
	s.entries[key] = e
	s.hash.invalidate()
	return e.Version, nil
}

// Delete removes key and reports whether it existed. Deleting a missing key
// is not an error.
func (s *KV) Delete(key string) (bool, error) {
	if err := checkKey(key); err != nil {
		return false, err
	}
	_, ok := s.entries[key]
	if ok {
		delete(s.entries, key)
		s.hash.invalidate()
	}
	return ok, nil
}

// Len returns the number of keys.
func (s *KV) Len() int { return len(s.entries) }

// Keys returns every key, sorted.
func (s *KV) Keys() []string {
	keys := make([]string, 0, len(s.entries))
	for k := range s.entries {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Apply implements Machine.
func (s *KV) Apply(c Command) Result {
	switch c.F {
	case "get":
		e, _, err := s.Get(c.Key)
		return result(e.Value, err)
	case "exists":
		return result(s.Exists(c.Key))
	case "delete":
		return result(s.Delete(c.Key))
	case "put", "append":
		v, ok := asString(c.Value)
		if !ok {
			return fail(ErrBadCommand)
		}
		ver, err := s.write(c.Key, v, c.F == "append")
		return result(int64(ver), err)
	}
	return fail(ErrBadCommand)
}

const kvMagic = "faultline/kv/v1"

// Snapshot implements Machine. Keys are written in sorted order so equal
// stores encode to equal bytes.
func (s *KV) Snapshot() []byte {
	e := newEncoder(kvMagic)
	e.Uvarint(uint64(len(s.entries)))
	for _, k := range s.Keys() {
		ent := s.entries[k]
		e.Str(k)
		e.Str(ent.Value)
		e.Uvarint(ent.Version)
	}
	return e.Bytes()
}

// Restore implements Machine.
func (s *KV) Restore(b []byte) error {
	d := newDecoder(b, kvMagic)
	n := d.Count()
	entries := make(map[string]Entry, n)
	prev := ""
	for i := 0; i < n && d.Err() == nil; i++ {
		k := d.Str()
		ent := Entry{Value: d.Str(), Version: d.Uvarint()}
		if d.Err() == nil && (checkKey(k) != nil || (i > 0 && k <= prev)) {
			d.Fail(fmt.Errorf("key %d (%q) invalid or out of order", i, k))
		}
		entries[k], prev = ent, k
	}
	if err := d.finish(); err != nil {
		return fmt.Errorf("kv restore: %w", err)
	}
	s.entries = entries
	s.hash.invalidate()
	return nil
}

// StateHash implements Machine.
func (s *KV) StateHash() uint64 { return s.hash.get(s.Snapshot) }
