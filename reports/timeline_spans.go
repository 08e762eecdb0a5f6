package reports

import (
	"fmt"
	"strings"
	"time"
)

// spanStride is the number of integers per span record.
const spanStride = 6

// spanSet builds the spans of one run from its fault lines. A span is open
// while its end is -1; what is still open when the run ends ends with it.
type spanSet struct {
	b     *timelineBuilder
	nodes int
	node  map[[2]int]int // (kind, node) -> open span index (down, paused, clock)
	cut   map[[2]int]int // (from, to) -> open partition or block span index
	clog  map[[2]int]int // (from, to) -> latest clog span index
	net   int            // open net span index, or -1
}

func (ss *spanSet) open(at int64, kind int, lane, peer int, label string) int {
	b := ss.b
	i := len(b.d.Spans) / spanStride
	b.d.Spans = append(b.d.Spans, at, -1, int64(lane), int64(kind), b.str(label), int64(peer))
	return i
}

func (ss *spanSet) end(i int, at int64) {
	if e := &ss.b.d.Spans[i*spanStride+1]; *e < 0 || *e > at {
		*e = at
	}
}

func (ss *spanSet) label(i int) string {
	return ss.b.d.Strings[ss.b.d.Spans[i*spanStride+4]]
}

func (ss *spanSet) closeNode(at int64, kind, node int) {
	key := [2]int{kind, node}
	if i, ok := ss.node[key]; ok {
		ss.end(i, at)
		delete(ss.node, key)
	}
}

func (ss *spanSet) closeCut(at int64, link [2]int) {
	if i, ok := ss.cut[link]; ok {
		ss.end(i, at)
		delete(ss.cut, link)
	}
}

// setCut makes link cut by the fault kind with label, ending the span of
// whatever cut it before unless it is the same.
func (ss *spanSet) setCut(at int64, link [2]int, kind int, label string) {
	if i, ok := ss.cut[link]; ok {
		if ss.b.d.Spans[i*spanStride+3] == int64(kind) && ss.label(i) == label {
			return
		}
		ss.end(i, at)
	}
	ss.cut[link] = ss.open(at, kind, link[0], link[1], label)
}

// faultSpans turns the trace's fault lines, the faults the kernel applied,
// into spans: per node for crashes (down until its restart), stops
// (paused until its resume) and clocks (off while the node's clock is
// ahead or behind or drifting); per directed link for partitions and
// blocks (until a partition that reconnects the link, an unblock or a
// heal) and clogs (until the messages go through, or a heal); on every
// lane for a network worse than the run's (until a calm one, or a heal).
// A heal ends every span but a clock's: a heal stops a drift, but a
// node's clock stays where it jumped, and the kernel says so.
func (b *timelineBuilder) faultSpans(nodes int) {
	ss := &spanSet{b: b, nodes: nodes, node: map[[2]int]int{}, cut: map[[2]int]int{}, clog: map[[2]int]int{}, net: -1}
	for _, fl := range b.faults {
		at, f := fl.at, fl.f
		node := -1
		if f.Node != nil {
			node = int(*f.Node)
			b.lane(node)
		}
		var link [2]int
		if f.From != nil && f.To != nil {
			link = [2]int{int(*f.From), int(*f.To)}
			b.lane(link[0])
			b.lane(link[1])
		}
		switch f.Op {
		case "crash":
			ss.closeNode(at, spanPaused, node) // a crash ends a stop
			if _, ok := ss.node[[2]int{spanDown, node}]; !ok {
				ss.node[[2]int{spanDown, node}] = ss.open(at, spanDown, node, -1, "crashed")
			}
		case "restart":
			ss.closeNode(at, spanDown, node)
		case "stop":
			if _, ok := ss.node[[2]int{spanPaused, node}]; !ok {
				ss.node[[2]int{spanPaused, node}] = ss.open(at, spanPaused, node, -1, "paused")
			}
		case "resume":
			ss.closeNode(at, spanPaused, node)
		case "clock":
			ss.closeNode(at, spanClock, node)
			if f.Ahead != 0 || f.DriftPPM != 0 {
				label := fmt.Sprintf("clock %+v off", time.Duration(f.Ahead).Round(time.Microsecond))
				if f.DriftPPM != 0 {
					label += fmt.Sprintf(", drift %+dppm", f.DriftPPM)
				}
				ss.node[[2]int{spanClock, node}] = ss.open(at, spanClock, node, -1, label)
			}
		case "partition":
			group := make([]int, nodes)
			for i := range group {
				group[i] = -1
			}
			shown := make([][]int, 0, len(f.Groups)+1)
			for g, members := range f.Groups {
				var ids []int
				for _, id := range members {
					if int(id) < nodes {
						group[id] = g
					}
					ids = append(ids, int(id))
				}
				shown = append(shown, ids)
			}
			var rest []int
			for id, g := range group {
				if g < 0 {
					rest = append(rest, id)
				}
			}
			if len(rest) > 0 {
				shown = append(shown, rest)
			}
			label := "partition " + groupsLabel(shown)
			for a := range nodes {
				for c := range nodes {
					if a == c {
						continue
					}
					if group[a] != group[c] {
						ss.setCut(at, [2]int{a, c}, spanPartition, label)
					} else {
						ss.closeCut(at, [2]int{a, c})
					}
				}
			}
		case "block":
			ss.setCut(at, link, spanBlock, fmt.Sprintf("blocked %d → %d", link[0], link[1]))
		case "unblock":
			ss.closeCut(at, link)
		case "clog":
			if i, ok := ss.clog[link]; ok {
				ss.end(i, at)
				delete(ss.clog, link)
			}
			if f.Until != nil && *f.Until > at {
				i := ss.open(at, spanClog, link[0], link[1], fmt.Sprintf("clogged %d → %d until %s", link[0], link[1], fmtMs(*f.Until)))
				b.d.Spans[i*spanStride+1] = *f.Until
				ss.clog[link] = i
			}
		case "net":
			if ss.net >= 0 {
				ss.end(ss.net, at)
				ss.net = -1
			}
			if !f.Calm {
				ss.net = ss.open(at, spanNet, -1, -1, strings.TrimPrefix(fl.what, "net "))
			}
		case "heal":
			for i := 0; i < len(b.d.Spans)/spanStride; i++ {
				if b.d.Spans[i*spanStride+3] != spanClock {
					ss.end(i, at)
				}
			}
			for key := range ss.node {
				if key[0] != spanClock {
					delete(ss.node, key)
				}
			}
			clear(ss.cut)
			clear(ss.clog)
			ss.net = -1
		}
	}
	for i := 0; i < len(b.d.Spans)/spanStride; i++ {
		if e := &b.d.Spans[i*spanStride+1]; *e < 0 || *e > b.d.End {
			*e = b.d.End
		}
	}
}

func fmtMs(ns int64) string { return fmt.Sprintf("%.3f ms", float64(ns)/1e6) }
