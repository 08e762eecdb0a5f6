package simrun

import (
	"flag"
	"fmt"
	"io"
)

func (a *app) cmdList(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("simrun list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := parseFlags(fs, args); err != nil {
		if err == flag.ErrHelp {
			return exitPass
		}
		fmt.Fprintf(stderr, "simrun list: %v\n", err)
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "simrun list: unexpected argument %q; expected none\n", fs.Arg(0))
		return exitUsage
	}
	all, err := a.reg.Scenarios()
	if err != nil {
		fmt.Fprintf(stderr, "simrun list: %v\n", err)
		return exitUsage
	}
	fmt.Fprintln(stdout, "scenarios:")
	for _, s := range all {
		fmt.Fprintf(stdout, "  %-24s %s\n", s.Name, s.Description)
	}
	fmt.Fprintln(stdout, "\nprotocols:")
	for _, name := range a.reg.ProtocolNames() {
		d, _ := a.reg.Protocol(name)
		fmt.Fprintf(stdout, "  %-24s %s (machines: %v)\n", name, d.Summary, d.Machines)
	}
	return exitPass
}
