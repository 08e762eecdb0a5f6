package simrun

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/faultline-sim/faultline/checker"
	"github.com/faultline-sim/faultline/internal/invoke"
	"github.com/faultline-sim/faultline/internal/outpath"
)

// checkExitUsage is simrun's exit code for bad input or usage; the other
// codes come from Outcome.ExitCode.
const checkExitUsage = 2

// cmdCheck implements `simrun check -model M [-format F] [-max-steps N] [-timeout D] [-max-ops N] [-viz FILE] [-convert FILE] HISTORY`:
// it reads a history recorded anywhere, as JSON Lines or as Jepsen's and
// Maelstrom's EDN, and decides whether it is linearizable. Exit 0 linearizable, 1 not (the failing part and first bad
// event are printed and porcupine's picture is written), 2 bad input, 3
// undecided: the time ran out, the history has more than -max-ops
// operations, or none at all. One -timeout bounds reading, checking,
// localizing and drawing together.
func (a *app) cmdCheck(args []string, stdout, stderr io.Writer) int {
	models := a.reg.Models()
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	model := fs.String("model", "", "model of the history: "+strings.Join(models.Names(), ", "))
	timeout := fs.Duration("timeout", 30*time.Second, "give up (exit 3) after this long, reading, checking and drawing included; 0 means never")
	maxOps := fs.Int("max-ops", 5_000_000, "give up (exit 3) on a history with more operations than this; 0 means no limit")
	maxSteps := fs.Int64("max-steps", checker.DefaultSteps, "give up (exit 3) after this many model steps of search, localization included: a count, so the verdict and the failing part and prefix it names are the same on every run; -timeout is only a backstop")
	viz := fs.String("viz", "", "write the visualization of a violation here (default: the history's file name plus .html in the current directory, e.g. h.jsonl.html for dir/h.jsonl, or a numbered variant that clobbers nothing)")
	force := fs.Bool("force", false, "replace a -viz or -convert file that simrun did not write (default: refuse it and leave it as it is)")
	formatFlag := fs.String("format", "auto", "history format: jsonl (ours), edn (Jepsen's and Maelstrom's history.edn), or auto (from the content)")
	convert := fs.String("convert", "", "also write the history to this file: EDN in Jepsen's shape for a .edn name, else JSON Lines")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: %s check -model %s [-format auto|jsonl|edn] [-max-steps N] [-timeout 30s] [-max-ops N] [-viz out.html] [-convert out.edn] [-force] HISTORY\n", invoke.Program(), strings.Join(models.Names(), "|"))
		fmt.Fprintf(stderr, "\nHISTORY is recorded anywhere: JSON Lines, one operation a line, as `%s` writes\n(a scenario's machine is its model), or a Jepsen/Maelstrom history.edn.\n\n",
			invoke.Command("simrun run -scenario "+a.exampleScenario()+" -seed 1 -history h.jsonl"))
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "simrun check: %v\n", err)
		return checkExitUsage
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(stderr, "simrun check: expected exactly one history file, got %d arguments (simrun check -h shows the usage)\n", fs.NArg())
		return checkExitUsage
	}
	if *model == "" {
		fmt.Fprintf(stderr, "simrun check: -model is required; expected one of %s\n", strings.Join(models.Names(), ", "))
		return checkExitUsage
	}
	if *timeout < 0 || *maxOps < 0 {
		fmt.Fprintf(stderr, "simrun check: -timeout %v, -max-ops %d: expected zero (no limit) or more\n", *timeout, *maxOps)
		return checkExitUsage
	}
	if *maxSteps <= 0 {
		fmt.Fprintf(stderr, "simrun check: -max-steps %d: expected a positive count of model steps\n", *maxSteps)
		return checkExitUsage
	}
	if _, err := models.Ops(*model); err != nil {
		fmt.Fprintf(stderr, "simrun check: -model: %v\n", err)
		return checkExitUsage
	}
	path := fs.Arg(0)
	// However they are spelled, the history and the two outputs are three
	// files: -convert onto the history would replace what is checked.
	if a, b, same := sameOutputs([][2]string{{"HISTORY", path}, {"-viz", *viz}, {"-convert", *convert}}); same {
		fmt.Fprintf(stderr, "simrun check: %s %s and %s %s name the same file; expected a different file for each\n", a[0], a[1], b[0], b[1])
		return checkExitUsage
	}
	if *viz != "" {
		if err := outpath.Check(*viz, outpath.HTML, *force); err != nil {
			fmt.Fprintf(stderr, "simrun check: -viz: %v\n", err)
			return checkExitUsage
		}
	}
	format, err := parseFormat(*formatFlag)
	if err == nil {
		format, err = historyFormatOf(path, format)
	}
	if err != nil {
		fmt.Fprintf(stderr, "simrun check: %v\n", err)
		return checkExitUsage
	}
	if *convert != "" {
		if err := checkConvert(models, path, format, *model, *convert, *force); err != nil {
			fmt.Fprintf(stderr, "simrun check: %v\n", err)
			return checkExitUsage
		}
		fmt.Fprintf(stdout, "converted: %s\n", *convert)
	}
	deadline := checker.Within(*timeout, time.Now)
	ops, nemesis, err := checkLoadHistory(models, path, format, *model, checker.ReadOptions{MaxOperations: *maxOps, Deadline: deadline})
	if err != nil && *formatFlag != "" && !strings.EqualFold(*formatFlag, "auto") {
		err = formatHint(path, format, err)
	}
	if err != nil {
		switch {
		case errors.Is(err, checker.ErrTooManyOperations):
			fmt.Fprintf(stderr, "simrun check: %v; raise -max-ops to read more\n", err)
		case errors.Is(err, checker.ErrTimeUp):
			fmt.Fprintf(stderr, "simrun check: %v; raise -timeout to read more\n", err)
		default:
			fmt.Fprintf(stderr, "simrun check: %v\n", err)
		}
		if errors.Is(err, checker.ErrTimeUp) || errors.Is(err, checker.ErrTooManyOperations) {
			fmt.Fprintf(stdout, "%s: unknown: the history was not read to the end, which is not a pass\n", path)
			return exitUnknown
		}
		return checkExitUsage
	}
	verdict, info := checker.CheckOperationsBudget(ops, checker.Budget{Steps: *maxSteps, Wall: deadline})
	info.ShowNemesis(nemesis)
	fmt.Fprintf(stdout, "%s: %s\n", path, verdict)
	if len(nemesis) > 0 {
		fmt.Fprintf(stdout, "nemesis: %d operations, left out of the check (fault windows in the picture)\n", len(nemesis))
	}
	switch {
	case verdict.Outcome == checker.Violation:
		checkReportViolation(stdout, stderr, verdict, info, checkVizPath(path, *viz), *force, deadline)
	case ops.Len() == 0:
		fmt.Fprintf(stderr, "simrun check: %s: no operations to check; an empty history is not a pass\n", path)
	case verdict.Outcome == checker.Unknown:
		fmt.Fprintln(stderr, "simrun check: undecided, which is not a pass; raise -max-steps (or -timeout, if it passed) to search longer")
	}
	return verdict.Outcome.ExitCode()
}

// checkLoadHistory reads and validates a history file as it streams by;
// its errors name the file and line (and column, for EDN). An EDN history's
// nemesis operations come back apart.
func checkLoadHistory(models *checker.Models, path, format, model string, opt checker.ReadOptions) (*checker.Operations, []checker.NemesisOp, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	if format == formatEDN {
		return models.ReadEDNOperations(f, path, model, opt)
	}
	ops, err := models.ReadOperations(f, path, model, opt)
	return ops, nil, err
}

// formatHint adds to a read error, when -format forced a format, what the
// file looks like if that is another one (-format edn on JSON Lines says
// only "empty keyword" otherwise), keeping the error one line. A JSON
// array is not called EDN: neither reader takes it.
func formatHint(path, format string, err error) error {
	if err == nil || errors.Is(err, checker.ErrTimeUp) || errors.Is(err, checker.ErrTooManyOperations) {
		return err
	}
	head, herr := historyHead(path)
	looks := formatOfHead(head)
	if herr != nil || looks == format || (looks == formatEDN && jsonArrayHead(head)) {
		return err
	}
	name := map[string]string{formatJSONL: "JSON Lines", formatEDN: "EDN"}[looks]
	return fmt.Errorf("%w (the file looks like %s: -format %s, or leave -format out)", err, name, looks)
}

// checkConvert writes the history at path, read as format, to out in the
// format out's name asks for. The history must be valid for the model:
// what is written is what would be checked.
func checkConvert(models *checker.Models, path, format, model, out string, force bool) error {
	if err := outpath.Check(out, outpath.EDN, force); err != nil {
		return fmt.Errorf("-convert: %w", err)
	}
	h, err := readWholeHistory(models, path, format, model)
	if err == nil {
		err = models.ValidateHistory(path, model, h)
	}
	if err != nil {
		return err
	}
	if err := writeHistoryFile(models, out, h, model, force); err != nil {
		return fmt.Errorf("-convert: %w", err)
	}
	return nil
}

// checkVizPath is where the picture goes: -viz, else HISTORY.html in the
// current directory — never next to the history, in the user's data — or
// the first numbered variant of it that holds nothing simrun did not
// write. "" if none is free.
func checkVizPath(history, flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	path, err := outpath.Free(filepath.Base(history)+".html", outpath.HTML)
	if err != nil {
		return ""
	}
	return path
}

// checkReportViolation prints where the violation is and writes the picture.
// The verdict is already decided; a failure to draw only warns.
// The picture gets what is left of the deadline; the verdict stands
// whether or not localization or the picture was cut short.
func checkReportViolation(stdout, stderr io.Writer, v checker.Verdict, info checker.LinearizabilityInfo, path string, force bool, deadline checker.Deadline) {
	if info.Partition != "" {
		fmt.Fprintf(stdout, "failing part: %s\n", info.Partition)
	}
	if v.Event != "" {
		fmt.Fprintf(stdout, "first bad event: %s\n", v.Event)
	}
	if info.CutShort {
		fmt.Fprintln(stdout, "localization: cut short (by its share of -max-steps, or by -timeout); the violation stands, but an earlier failure may exist")
	}
	timeout := time.Duration(math.MaxInt64) // -timeout 0: no limit
	if deadline != nil {
		timeout = deadline()
	}
	if timeout <= 0 {
		fmt.Fprintln(stdout, "visualization: cut short by -timeout, none written; the violation stands")
		return
	}
	if path == "" {
		fmt.Fprintln(stderr, "simrun check: no visualization: no free file name in the current directory; pass -viz")
		return
	}
	f, err := outpath.Create(path, outpath.HTML, force)
	if err != nil {
		fmt.Fprintf(stderr, "simrun check: visualization: %v\n", err)
		return
	}
	werr := checker.WriteVisualization(f, info, timeout)
	if errors.Is(werr, checker.ErrNothingToVisualize) {
		f.Abort()
		fmt.Fprintf(stderr, "simrun check: no visualization: %v\n", werr)
		return
	}
	if cerr := f.Commit(); cerr != nil {
		fmt.Fprintf(stderr, "simrun check: visualization: %v\n", cerr)
		return
	}
	if werr != nil {
		fmt.Fprintf(stderr, "simrun check: visualization: %v\n", werr)
	}
	if errors.Is(werr, checker.ErrPartialVisualization) {
		fmt.Fprintln(stdout, "visualization: cut short by -timeout; the picture is partial, the violation stands")
	}
	fmt.Fprintf(stdout, "visualization: %s\n", path)
}
