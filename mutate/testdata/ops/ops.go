// Package ops holds one example of every construct an operator mutates,
// and some it must leave alone. ops.golden lists the mutants.
package ops

import "strings"

const limit = 3

type pair struct{ lo, hi int }

// String is diagnostic: never mutated.
func (p pair) String() string { return "pair" + strings.Repeat("!", p.lo+1) }

func compare(a, b int) bool {
	if a < b && b <= limit {
		return true
	}
	return a == b || a != 0x10
}

func arith(a, b int, s string) (int, string) {
	a += b * 2
	b--
	var buf [4]byte
	_ = buf
	return a%b - a/b&1<<2, s + "x"
}

func span(lo, hi int, name string) pair { return pair{lo, hi} }

func calls(p []int) pair {
	x := span(p[0], p[1], "a")
	if !(len(p) > 2) {
		panic("short")
	}
	p[0] = x.hi
	return span(min(p[0], 1), p[1], strings.Join(nil, ","))
}
