// Package edn is a small, strict reader of the part of EDN that Jepsen and
// Maelstrom histories use: nil, booleans, integers, floats, strings,
// characters, keywords, symbols, lists, vectors, maps, sets, tagged
// literals (#jepsen.history.Op{...}, #inst "..."), comments and #_
// discards.
//
// It exists instead of a general EDN library for two reasons a history
// checker cares about: every error names the line and column where the
// input went wrong, and a history that is one huge top-level vector is
// streamed element by element (Reader.Elements), so memory follows the
// largest operation, not the file. Limits on nesting depth, string length
// and element size keep hostile input bounded.
//
// Values come back as Go values: nil, bool, int64, float64, string,
// Keyword, Symbol, Char, []any (lists and vectors), Set, Map and Tagged.
// Maps keep their entries in input order and may have any value as a key.
package edn
