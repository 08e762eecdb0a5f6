package simrun

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"time"
)

// A Go runtime crash exits 2, the code this program gives bad input:
// an unrecovered panic and every "fatal error:" (out of memory, stack
// overflow, concurrent map writes) end the process that way, and a
// fatal error cannot be caught in the process. So Main guards against the
// two it can:
//
//   - a panic on the main goroutine is recovered and reported as one
//     line, exit 3 (a harness error, never the user's input); the runs
//     themselves recover their own panics (scenarios, sweep);
//   - memory: the process gets a soft limit (debug.SetMemoryLimit) and a
//     watchdog that stops it with one line and exit 3 once its memory
//     passes the limit, before the kernel or the runtime kills it with
//     "fatal error: runtime: out of memory" and exit 2. The limit is
//     three quarters of the machine's memory (its cgroup's limit, else
//     /proc/meminfo), or $FAULTLINE_MEMORY_LIMIT ("4GiB", "512MiB", a
//     number of bytes, or "off").
//
// What is left, a stack overflow or a data race's fatal error, is a bug
// in Faultline or in a protocol's code; it still exits 2 with the Go
// runtime's trace on stderr ("fatal error: ..."). A parent that runs this
// program (simrun mutate's workers) must read exit 2 with "fatal error:"
// or "panic:" on stderr as a crash, not as bad input.

// memoryLimitEnv overrides the memory limit.
const memoryLimitEnv = "FAULTLINE_MEMORY_LIMIT"

// guardRuntime installs the memory limit and its watchdog for a process
// started by Main. It returns the limit in bytes (0: none).
func guardRuntime(stderr io.Writer, name string) int64 {
	limit, source, err := memoryLimit(os.Getenv(memoryLimitEnv))
	if err != nil {
		fmt.Fprintf(stderr, "%s: $%s: %v\n", name, memoryLimitEnv, err)
		os.Exit(exitUsage)
	}
	if limit <= 0 {
		return 0
	}
	// The garbage collector works harder from nine tenths of the limit,
	// so only memory in use, not garbage, can reach the limit itself.
	debug.SetMemoryLimit(limit / 10 * 9)
	go watchMemory(limit, func(used int64) {
		fmt.Fprintf(stderr, "%s: harness limit: out of memory: the process uses %d MiB, past its limit of %d MiB (%s); stopped before the Go runtime crashes (a param or budget that grows a run without bound is the likely cause)\n",
			name, used>>20, limit>>20, source)
		os.Exit(exitUnknown)
	})
	return limit
}

// watchMemory calls over once the memory the Go runtime holds from the
// system (less what it has given back) passes limit.
func watchMemory(limit int64, over func(used int64)) {
	samples := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	for range time.Tick(20 * time.Millisecond) {
		if used := memoryUsed(samples); used > limit {
			over(used)
			return
		}
	}
}

func memoryUsed(samples []metrics.Sample) int64 {
	metrics.Read(samples)
	var v [2]int64
	for i, s := range samples {
		if s.Value.Kind() == metrics.KindUint64 {
			v[i] = int64(s.Value.Uint64())
		}
	}
	return v[0] - v[1]
}

// memoryLimit is the process's memory limit from env (the value of
// $FAULTLINE_MEMORY_LIMIT), else three quarters of the machine's memory;
// 0 when off or unknown. source says where it came from.
func memoryLimit(env string) (limit int64, source string, err error) {
	env = strings.TrimSpace(env)
	switch env {
	case "":
		if total := machineMemory(); total > 0 {
			return total / 4 * 3, "three quarters of this machine's memory; $" + memoryLimitEnv + " sets it", nil
		}
		return 0, "", nil
	case "off", "0":
		return 0, "", nil
	}
	n, err := parseBytes(env)
	if err != nil {
		return 0, "", err
	}
	if n < 64<<20 {
		return 0, "", fmt.Errorf("%q is below 64MiB; expected a size like 4GiB, or off", env)
	}
	return n, "$" + memoryLimitEnv, nil
}

// parseBytes reads "4GiB", "512MiB", "64KiB", "4GB", "2G" or a number of
// bytes.
func parseBytes(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"T", 1 << 40}, {"B", 1}}
	mult, digits := int64(1), s
	for _, u := range units {
		if rest, ok := strings.CutSuffix(s, u.suffix); ok {
			mult, digits = u.mult, rest
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(digits), 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a size; expected a whole number of bytes, or one with KiB, MiB, GiB or TiB, or off", s)
	}
	return n * mult, nil
}

// machineMemory is the memory this process may use: its cgroup's limit
// (v2, then v1) if any, else the machine's total; 0 if unknown.
func machineMemory() int64 {
	total := int64(0)
	if f, err := os.Open("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
				kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
				if err == nil {
					total = kb << 10
				}
			}
		}
		f.Close()
	}
	for _, p := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && n > 0 && (total == 0 || n < total) {
			total = n
		}
	}
	return total
}

// recoverMain turns a panic on the main goroutine into one line and
// exit 3: a crash of the harness is never reported as bad input.
func recoverMain(stderr io.Writer, name string) {
	if p := recover(); p != nil {
		fmt.Fprintf(stderr, "%s: harness error: internal panic: %s (a bug in Faultline, not in your input; please report it with the command that caused it)\n", name, firstLineOf(fmt.Sprint(p)))
		if os.Getenv("FAULTLINE_TRACEBACK") != "" {
			stderr.Write(debug.Stack())
		}
		os.Exit(exitUnknown)
	}
}

func firstLineOf(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
