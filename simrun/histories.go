package simrun

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/internal/outpath"
)

// A history file is JSON Lines (ours) or EDN (Jepsen's and Maelstrom's
// history.edn).
const (
	formatJSONL = "jsonl"
	formatEDN   = "edn"
)

// parseFormat reads a -format value: auto (or empty), jsonl or edn.
func parseFormat(s string) (string, error) {
	switch strings.ToLower(s) {
	case "", "auto":
		return "", nil
	case formatJSONL, "json":
		return formatJSONL, nil
	case formatEDN:
		return formatEDN, nil
	}
	return "", fmt.Errorf("-format %q: expected auto, jsonl or edn", s)
}

// formatForOutput is the format a history written to path takes: EDN for
// a .edn file, JSON Lines otherwise.
func formatForOutput(path string) string {
	if strings.EqualFold(filepath.Ext(path), ".edn") {
		return formatEDN
	}
	return formatJSONL
}

// historyHead is a history's first significant bytes (at most 4 KiB,
// without a byte-order mark and leading blanks or commas): enough to tell
// its format.
func historyHead(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	head := make([]byte, 4096)
	n, err := io.ReadFull(bufio.NewReader(f), head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, err
	}
	return bytes.TrimLeft(bytes.TrimPrefix(head[:n], []byte("\xef\xbb\xbf")), " \t\r\n,"), nil
}

// sniffFormat decides the format of a history from its first significant
// bytes: a JSON object starts with {" ; EDN starts with [, (, #, ; or {:
// (a map whose first key is a keyword). An empty file is JSON Lines.
func sniffFormat(path string) (string, error) {
	b, err := historyHead(path)
	if err != nil {
		return "", err
	}
	return formatOfHead(b), nil
}

// formatOfHead is sniffFormat on a history's head (historyHead).
func formatOfHead(b []byte) string {
	switch {
	case len(b) == 0:
		return formatJSONL
	case strings.ContainsRune("[(#;", rune(b[0])):
		return formatEDN
	case b[0] == '{':
		if rest := bytes.TrimLeft(b[1:], " \t\r\n,"); len(rest) > 0 && rest[0] == ':' {
			return formatEDN
		}
	}
	return formatJSONL
}

// jsonArrayHead reports whether a history's head (historyHead) starts a
// JSON array ([{"..., [], ["...), which formatOfHead takes for EDN.
func jsonArrayHead(b []byte) bool {
	if len(b) == 0 || b[0] != '[' {
		return false
	}
	b = bytes.TrimLeft(b[1:], " \t\r\n")
	if len(b) > 0 && b[0] == '{' {
		b = bytes.TrimLeft(b[1:], " \t\r\n")
	}
	return len(b) == 0 || b[0] == '"' || b[0] == ']' || b[0] == '}'
}

// historyFormatOf is -format when given, else the file's extension (.edn,
// or .jsonl/.json), else what its first bytes look like. A file that cannot
// be sniffed is left to the JSON Lines reader, whose errors name it.
func historyFormatOf(path, flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".edn":
		return formatEDN, nil
	case ".jsonl", ".json", ".ndjson":
		return formatJSONL, nil
	}
	if f, err := sniffFormat(path); err == nil {
		return f, nil
	}
	return formatJSONL, nil
}

// writeHistoryFile writes h to an output file in the format its name asks
// for (EDN for .edn, else JSON Lines), under the output policy.
func writeHistoryFile(models *checker.Models, path string, h checker.History, model string, force bool) error {
	kind, write := outpath.JSONL, func(w io.Writer) error { return checker.WriteHistory(w, h) }
	if formatForOutput(path) == formatEDN {
		kind, write = outpath.EDN, func(w io.Writer) error { return models.WriteEDNHistory(w, h, model) }
	}
	f, err := outpath.Create(path, kind, force)
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := write(f); err != nil {
		return err
	}
	return f.Commit()
}

// readWholeHistory reads a history in either format into memory, for
// check -convert; its errors name the file, line and (EDN) column.
func readWholeHistory(models *checker.Models, path, format, model string) (checker.History, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if format == formatEDN {
		eh, err := models.ReadEDNHistory(f, path, model)
		return eh.History, err
	}
	return checker.ReadHistory(f, path)
}
