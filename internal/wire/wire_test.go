package wire

import (
	"errors"
	"testing"
)

var errBad = errors.New("bad input")

func TestReaderReadsWhatWriterWrote(t *testing.T) {
	var w Writer
	w.Uvarint(300)
	w.Varint(-7)
	w.Str("héllo")
	w.Bool(true)
	w.Byte(9)
	r := NewReader(w.Bytes(), errBad)
	if u, i, s, b, c := r.Uvarint(), r.Varint(), r.Str(), r.Bool(), r.Byte(); u != 300 || i != -7 || s != "héllo" || !b || c != 9 {
		t.Fatalf("read %d %d %q %v %d", u, i, s, b, c)
	}
	if r.Err() != nil || r.Remaining() != 0 {
		t.Fatalf("err %v, %d bytes left", r.Err(), r.Remaining())
	}
}

func TestTruncatedInputReportsTheFormatsErrorAndSticks(t *testing.T) {
	var w Writer
	w.Str("abcdef")
	r := NewReader(w.Bytes()[:3], errBad)
	if s := r.Str(); s != "" || !errors.Is(r.Err(), errBad) {
		t.Fatalf("read %q, err %v", s, r.Err())
	}
	if r.Uvarint() != 0 || r.Byte() != 0 || r.Count() != 0 {
		t.Fatal("reads after an error must return zero values")
	}
	r.Fail(errors.New("later"))
	if !errors.Is(r.Err(), errBad) {
		t.Fatalf("Fail replaced the first error: %v", r.Err())
	}
}

func TestCountRejectsLengthsLongerThanTheInput(t *testing.T) {
	var w Writer
	w.Uvarint(1 << 40)
	r := NewReader(w.Bytes(), errBad)
	if n := r.Count(); n != 0 || r.Err() == nil {
		t.Fatalf("count %d, err %v", n, r.Err())
	}
}

func TestBoolRejectsBytesOtherThanZeroAndOne(t *testing.T) {
	r := NewReader([]byte{2}, errBad)
	r.Bool()
	if r.Err() == nil {
		t.Fatal("byte 2 read as a bool")
	}
}
