package invoke

import (
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
)

// Canonical is the program name in stored commands.
const Canonical = "simrun"

// GoRun is how the README's first command starts simrun.
const GoRun = "go run ./cmd/simrun"

var program atomic.Value // string

// SetProgram sets the program Command puts in front; main calls it once
// with Detect(os.Args[0]). Tests leave it at Canonical.
func SetProgram(p string) { program.Store(p) }

// Program is the program Command puts in front.
func Program() string {
	if p, ok := program.Load().(string); ok && p != "" {
		return p
	}
	return Canonical
}

// cachedExe matches the directory `go run` caches its binaries in since
// Go 1.24: GOCACHE/xx/<sha256>-d/NAME.
var cachedExe = regexp.MustCompile(`^[0-9a-f]{64}-d$`)

// Detect is the program for a process started as arg0 (os.Args[0]): a
// binary that `go run` built (in a go-build temporary directory, or the
// build cache) is GoRun; anything else is arg0 itself, quoted if it holds
// a space.
func Detect(arg0 string) string { return DetectRun(arg0, GoRun) }

// DetectRun is Detect for a program that `go run` starts as goRun (e.g.
// "go run ./cmd/mysim"): a user's own simrun.
func DetectRun(arg0, goRun string) string {
	if arg0 == "" {
		return Canonical
	}
	dir := filepath.Dir(filepath.ToSlash(arg0))
	for _, part := range strings.Split(filepath.ToSlash(dir), "/") {
		if strings.HasPrefix(part, "go-build") || cachedExe.MatchString(part) {
			return goRun
		}
	}
	if strings.ContainsAny(arg0, " \t'\"") {
		return "'" + strings.ReplaceAll(arg0, "'", `'\''`) + "'"
	}
	return arg0
}

// Command is the canonical command line cmd ("simrun ...") as the user
// can run it. Anything else is returned as it is.
func Command(cmd string) string {
	if rest, ok := strings.CutPrefix(cmd, Canonical+" "); ok {
		return Program() + " " + rest
	}
	if cmd == Canonical {
		return Program()
	}
	return cmd
}

// Commands rewrites every canonical command in text: the text's start if
// it is one, and each "simrun " right after a backquote. For hints that
// embed `commands` in a sentence.
func Commands(text string) string {
	p := Program()
	if p == Canonical {
		return text
	}
	var b strings.Builder
	for i := 0; i < len(text); {
		if strings.HasPrefix(text[i:], Canonical+" ") && (i == 0 || text[i-1] == '`') {
			b.WriteString(p)
			i += len(Canonical)
			continue
		}
		b.WriteByte(text[i])
		i++
	}
	return b.String()
}
