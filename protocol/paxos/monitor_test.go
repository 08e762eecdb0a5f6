package paxos

import (
	"errors"
	"testing"

	"github.com/faultline-sim/faultline/protocol"
	"github.com/faultline-sim/faultline/sim"
)

type fact struct {
	node sim.NodeID
	f    any
}

// TestMonitorNamesTheBrokenProperty feeds the monitor facts by hand: each
// story ends with the first bad fact, which must be reported under its
// property; a story with want "" must pass.
func TestMonitorNamesTheBrokenProperty(t *testing.T) {
	a := Cmd{Client: 3, Seq: 1, Op: sim.Op{F: "increment", Value: int64(1)}}
	b := Cmd{Client: 4, Seq: 1, Op: sim.Op{F: "get"}}
	got := func(c Cmd) fact { return fact{0, Received{Cmd: c}} }
	for _, tc := range []struct {
		name  string
		facts []fact
		want  string
	}{
		{"a healthy log", []fact{got(a), got(b), {0, Chosen{1, []Cmd{a}}}, {1, Chosen{1, []Cmd{a}}}, {0, Applied{1, []CmdID{a.id()}}},
			{1, Applied{1, []CmdID{a.id()}}}, {0, Chosen{2, []Cmd{b, a}}}, {0, Applied{2, []CmdID{b.id()}}}, {1, Recovered{}}, {1, Applied{1, []CmdID{a.id()}}}}, ""},
		{"two values in one slot", []fact{got(a), got(b), {0, Chosen{1, []Cmd{a}}}, {1, Chosen{1, []Cmd{b}}}}, PropAgreement},
		{"a no-op against a value", []fact{got(a), {0, Chosen{1, []Cmd{a}}}, {2, Chosen{1, nil}}}, PropAgreement},
		{"a command no client sent", []fact{got(a), {0, Chosen{1, []Cmd{b}}}}, PropValidity},
		{"a client's command, altered", []fact{got(a), {0, Chosen{1, []Cmd{{Client: 3, Seq: 1, Op: sim.Op{F: "increment", Value: int64(2)}}}}}}, PropValidity},
		{"a gap in the applied log", []fact{got(a), {0, Chosen{1, []Cmd{a}}}, {0, Chosen{2, []Cmd{a}}}, {0, Applied{2, nil}}}, PropPrefix},
		{"an unchosen slot applied", []fact{{0, Applied{1, nil}}}, PropPrefix},
		{"replicas execute differently", []fact{got(a), {0, Chosen{1, []Cmd{a}}}, {0, Applied{1, []CmdID{a.id()}}}, {1, Applied{1, nil}}}, PropPrefix},
		{"a command twice", []fact{got(a), {0, Chosen{1, []Cmd{a}}}, {0, Chosen{2, []Cmd{a}}}, {0, Applied{1, []CmdID{a.id()}}}, {0, Applied{2, []CmdID{a.id()}}}}, PropAtMostOnce},
		{"a lower promise", []fact{{1, Promised{Ballot{2, 0}}}, {1, Promised{Ballot{1, 2}}}}, PropBallots},
		{"a promise forgotten by a restart", []fact{{1, Promised{Ballot{2, 0}}}, {1, Recovered{Ballot{1, 0}}}}, PropBallots},
		{"the same promise again", []fact{got(a), {0, Chosen{1, []Cmd{a}}}, {1, Promised{Ballot{2, 0}}}, {1, Recovered{Ballot{2, 0}}}, {1, Promised{Ballot{2, 0}}}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMonitor(3)
			var err error
			for i, f := range tc.facts {
				if err = m.Observe(sim.Time(i), f.node, f.f); err != nil {
					if i != len(tc.facts)-1 {
						t.Fatalf("fact %d of %d refused: %v", i+1, len(tc.facts), err)
					}
					break
				}
			}
			var v *protocol.Violation
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused a correct story: %v", err)
			case tc.want == "":
				for _, vd := range m.Final(nil, nil) {
					if !vd.Passed() {
						t.Fatalf("final verdict %v", vd)
					}
				}
			case !errors.As(err, &v) || v.Property != tc.want:
				t.Fatalf("got %v, want a %s violation", err, tc.want)
			}
		})
	}
}

// TestMonitorWithNothingChosenIsUnknown: a run that chose nothing tested
// nothing, which is not a pass.
func TestMonitorWithNothingChosenIsUnknown(t *testing.T) {
	vs := NewMonitor(3).Final(nil, nil)
	if len(vs) != 1 || vs[0].Passed() {
		t.Fatalf("verdicts %v, want one unknown", vs)
	}
}
