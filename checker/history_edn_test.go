package checker

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

func readEDNFile(t *testing.T, path, model string) EDNHistory {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	eh, err := ReadEDNHistory(f, path, model)
	if err != nil {
		t.Fatal(err)
	}
	if err := ValidateHistory(path, model, eh.History); err != nil {
		t.Fatal(err)
	}
	return eh
}

// The EDN histories under testdata/histories/MODEL/ (Jepsen's and
// Maelstrom's shapes) are decided as their names say, and their verdicts
// match testdata/verdicts-edn.golden.
func TestGoldenEDNHistories(t *testing.T) {
	files, _ := filepath.Glob("testdata/histories/*/*.edn")
	if len(files) < 6 {
		t.Fatalf("expected golden EDN histories for cas-register, lin-kv and counter, found %v", files)
	}
	sort.Strings(files)
	var out bytes.Buffer
	for _, path := range files {
		model, name := filepath.Base(filepath.Dir(path)), filepath.Base(path)
		eh := readEDNFile(t, path, model)
		v, _ := CheckLinearizable(model, eh.History, within(10*time.Second))
		want := Pass
		if strings.HasPrefix(name, "fail-") {
			want = Violation
		}
		if v.Outcome != want {
			t.Errorf("%s: %s, want %s", path, v, want)
		}
		fmt.Fprintf(&out, "%s/%s: %d events, %d nemesis: %s\n", model, name, len(eh.History), len(eh.Nemesis), v)
	}
	compareGolden(t, "testdata/verdicts-edn.golden", out.Bytes())
}

// Our JSONL histories written as EDN read back as the same history, for
// every model, keys and error codes included.
func TestJSONLToEDNRoundTrip(t *testing.T) {
	files, _ := filepath.Glob("testdata/histories/*/*.jsonl")
	for _, path := range files {
		model := filepath.Base(filepath.Dir(path))
		f, _ := os.Open(path)
		h, err := ReadHistory(f, path)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		var edn bytes.Buffer
		if err := WriteEDNHistory(&edn, h, model); err != nil {
			t.Fatal(err)
		}
		back, err := ReadEDNHistory(bytes.NewReader(edn.Bytes()), path+".edn", model)
		if err != nil {
			t.Fatalf("%s: reading our own EDN: %v\n%s", path, err, edn.String())
		}
		var a, b bytes.Buffer
		WriteHistory(&a, h)
		WriteHistory(&b, back.History)
		if a.String() != b.String() {
			t.Errorf("%s: JSONL -> EDN -> JSONL changed the history:\n--- before\n%s--- after\n%s", path, a.String(), b.String())
		}
	}
}

// Bad EDN histories are refused with the file, line and column and what was
// expected, never checked.
func TestEDNHistoryErrors(t *testing.T) {
	for _, tc := range []struct{ model, in, want string }{
		{"cas-register", "[{:process 0 :type :invoke :f :read :value nil}\n 5]", "h.edn:2:2: expected an operation map"},
		{"cas-register", "{:process 0 :type :call :f :read}", `h.edn:1:1: :type is :call; expected :invoke, :ok, :fail or :info`},
		{"cas-register", "{:process 0 :type \"ok\" :f :read}", `h.edn:1:1: :type is "ok"; expected a keyword`},
		{"cas-register", "{:type :invoke :f :read}", "h.edn:1:1: missing :process"},
		{"cas-register", "{:process \"p\" :type :invoke :f :read}", `h.edn:1:1: :process is "p"; expected an integer or :nemesis`},
		{"cas-register", "{:process 0 :type :invoke :value 1}", "h.edn:1:1: missing :f"},
		{"cas-register", "{:process 0 :type :invoke :f :write :value 1 :time -4}", "h.edn:1:1: :time is -4"},
		{"cas-register", "{:process 0 :type :invoke :f :write :value 1.5}", "h.edn:1:1: :value: number 1.5 is not an integer"},
		{"cas-register", "{:process 0 :type :ok :f :write :value 1}", "h.edn:1:1: ok for process 0 without a pending invoke"},
		{"cas-register", "{:process 0 :type :invoke :f :write :value 1}\n{:process 0 :type :invoke :f :read :value nil}", "h.edn:2:1: process 0 invokes read while its write from line 1 is still pending"},
		{"lin-kv", "{:process 0 :type :invoke :f :write :value 3}", "h.edn:1:1: :value is 3; this model's operations are [key value] tuples"},
		{"lin-kv", "{:process 0 :type :invoke :f :write :value [[1] 3]}", "h.edn:1:1: key [1]; expected an integer or a string"},
		{"cas-register", "[{:process 0 :type :invoke :f :write :value 1}", "h.edn:1:47: end of input inside the collection opened at 1:1"},
		{"cas-register", "{:process 0, :type :invoke, :f :write, :value \xff}", "h.edn:1:47: invalid UTF-8"},
	} {
		_, err := ReadEDNHistory(strings.NewReader(tc.in), "h.edn", tc.model)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("ReadEDNHistory(%q) error = %v, want it to start with %q", tc.in, err, tc.want)
		}
	}
}

// Operations of the :nemesis process are kept apart, in order, with their
// times, and never reach the checked history.
func TestNemesisOperationsAreKeptApart(t *testing.T) {
	eh := readEDNFile(t, "testdata/histories/cas-register/pass-jepsen-vector.edn", "cas-register")
	want := []NemesisOp{
		{Type: Info, F: "start", Value: `[:isolated {"n1" #{"n2" "n3"}}]`, Time: 2500, Index: 2, At: 2},
		{Type: Info, F: "stop", Value: ":network-healed", Time: 9500, Index: 7, At: 6},
	}
	if !reflect.DeepEqual(eh.Nemesis, want) {
		t.Fatalf("nemesis ops %+v, want %+v", eh.Nemesis, want)
	}
	for _, ev := range eh.History {
		if ev.F == "start" || ev.F == "stop" {
			t.Fatalf("nemesis op %v in the checked history", ev)
		}
	}
}

// FuzzReadEDNHistory: arbitrary bytes never panic the reader or the
// checker behind it, and what reads validates or is refused.
func FuzzReadEDNHistory(f *testing.F) {
	for _, path := range []string{"testdata/histories/cas-register/pass-jepsen-vector.edn", "testdata/histories/lin-kv/pass-maelstrom.edn", "testdata/histories/counter/pass-jepsen-counter.edn"} {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, filepath.Base(filepath.Dir(path)))
	}
	f.Fuzz(func(t *testing.T, in []byte, model string) {
		if !builtinModels.Has(model) {
			return
		}
		eh, err := ReadEDNHistory(bytes.NewReader(in), "fuzz.edn", model)
		if err != nil || ValidateHistory("fuzz.edn", model, eh.History) != nil {
			return
		}
		CheckLinearizable(model, eh.History, within(time.Second))
	})
}

// casRegisterEDN generates a linearizable cas-register history of n
// operations from concurrent clients, in Jepsen's shape.
func casRegisterEDN(n, clients int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	var b bytes.Buffer
	b.WriteString("[")
	value, index := int64(0), 0
	pending := make([]string, clients)
	for done := 0; done < n; {
		p := r.IntN(clients)
		if pending[p] == "" {
			switch r.IntN(3) {
			case 0:
				pending[p] = fmt.Sprintf(":f :read, :value %d", value) // ok value decided at invoke time: linearizable
				fmt.Fprintf(&b, "{:index %d, :type :invoke, :process %d, :f :read, :value nil}\n", index, p)
			case 1:
				value = int64(r.IntN(5))
				pending[p] = fmt.Sprintf(":f :write, :value %d", value)
				fmt.Fprintf(&b, "{:index %d, :type :invoke, :process %d, %s}\n", index, p, pending[p])
			default:
				old, nw := int64(r.IntN(5)), int64(r.IntN(5))
				op := fmt.Sprintf(":f :cas, :value [%d %d]", old, nw)
				fmt.Fprintf(&b, "{:index %d, :type :invoke, :process %d, %s}\n", index, p, op)
				if old == value {
					value, pending[p] = nw, op
				} else {
					pending[p] = "fail " + op
				}
			}
		} else {
			typ, op := ":ok", pending[p]
			if rest, failed := strings.CutPrefix(op, "fail "); failed {
				typ, op = ":fail", rest
			}
			fmt.Fprintf(&b, "{:index %d, :type %s, :process %d, %s}\n", index, typ, p, op)
			pending[p] = ""
			done++
		}
		index++
	}
	b.WriteString("]")
	return b.Bytes()
}

// BenchmarkCheckEDNCasRegister10k reads and checks a 10,000-operation
// cas-register history from 10 clients (target: under a second).
func BenchmarkCheckEDNCasRegister10k(b *testing.B) {
	in := casRegisterEDN(10_000, 10, 1)
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		eh, err := ReadEDNHistory(bytes.NewReader(in), "bench.edn", "cas-register")
		if err != nil {
			b.Fatal(err)
		}
		if v, _ := CheckLinearizable("cas-register", eh.History, within(time.Minute)); !v.Passed() {
			b.Fatalf("generated history: %s", v)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/history")
}
