package protocol

import (
	"math"
	"testing"
	"time"
)

// TestDecodeParamsRefusesFractionsForIntegers: the YAML decoder truncates
// 0.5 into an integer field (0, which then meant the default); a live
// server's JSON -params has only such numbers. Whole numbers still decode
// (issue 25, classes 4 and 8).
func TestDecodeParamsRefusesFractionsForIntegers(t *testing.T) {
	type params struct {
		Size  int           `yaml:"size"`
		Wait  time.Duration `yaml:"wait"`
		Ratio float64       `yaml:"ratio"`
	}
	for _, tc := range []struct {
		in   map[string]any
		want string
	}{
		{map[string]any{"size": 0.5}, "params.size: 0.5 is not an integer"},
		{map[string]any{"size": -2.25}, "params.size: -2.25 is not an integer"},
		{map[string]any{"size": math.Inf(1)}, "params.size: +Inf is not an integer"},
		{map[string]any{"size": 4.0, "ratio": 0.5, "wait": "1s"}, ""},
	} {
		var p params
		err := DecodeParams(tc.in, &p)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("%v: got %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestRanges: the one-line range errors every protocol gives.
func TestRanges(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{RangeDuration("retransmit", time.Nanosecond, time.Millisecond, time.Minute), "params.retransmit: 1ns is not in [1ms, 1m0s]"},
		{RangeDuration("retransmit", time.Millisecond, time.Millisecond, time.Minute), ""},
		{RangeInt("batch_size", 0, 1, 10), "params.batch_size: 0 is not in [1, 10]"},
		{RangeInt("batch_size", 10, 1, 10), ""},
		{RangeFloat("fraction", math.NaN(), 0, 1), "params.fraction: NaN is not a finite number; expected one in [0, 1]"},
		{RangeFloat("fraction", 1.5, 0, 1), "params.fraction: 1.5 is not in [0, 1]"},
		{RangeFloat("fraction", 1, 0, 1), ""},
	} {
		got := ""
		if tc.err != nil {
			got = tc.err.Error()
		}
		if got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}
