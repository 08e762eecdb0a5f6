package outpath_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/faultline-sim/faultline/internal/outpath"
)

// A command that streams results (as simrun sweep and mutate do) opens
// its -out file through OpenResults: a new file gets the header, a file
// of the same run is resumed, anything else is refused untouched.
func ExampleOpenResults() {
	dir, _ := os.MkdirTemp("", "outpath-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "results.jsonl")
	type settings struct {
		Seeds string `json:"seeds"`
	}
	h, _ := outpath.NewHeader("example-results", 1, "register-basic", settings{"1-10"})
	countLines := func(body io.Reader) (int64, error) {
		var valid int64
		br := bufio.NewReader(body)
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return valid, nil // a last line without '\n' is cut short
			}
			valid += int64(len(line))
		}
	}

	f, opened, _ := outpath.OpenResults(path, h, false, countLines)
	f.WriteString(`{"seed":1}` + "\n")
	f.Close()
	fmt.Println("new file resumed:", opened.Resumed)

	f, opened, _ = outpath.OpenResults(path, h, false, countLines)
	f.Close()
	fmt.Println("same run resumed:", opened.Resumed)

	other, _ := outpath.NewHeader("example-results", 1, "register-basic", settings{"1-99"})
	_, _, err := outpath.OpenResults(path, other, false, countLines)
	fmt.Println(err != nil)

	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("my notes"), 0o644)
	_, _, err = outpath.OpenResults(filepath.Join(dir, "notes.txt"), h, false, countLines)
	var refused *outpath.RefusedError
	fmt.Println(errors.As(err, &refused), refused.Reason)
	// Output:
	// new file resumed: false
	// same run resumed: true
	// true
	// true exists and is not a Faultline results file (its first line is not a header)
}
