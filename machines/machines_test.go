package machines

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

// step is one command and the result it must give, applied in order to one
// machine.
type step struct {
	f     string
	key   string
	value any
	want  any    // expected Result.Value when err is ""
	err   Code   // expected error code, "" for success
	check string // optional: name the case in failures
}

func runSteps(t *testing.T, m Machine, steps []step) {
	t.Helper()
	for i, s := range steps {
		before := m.Snapshot()
		got := m.Apply(Command{F: s.f, Key: s.key, Value: s.value})
		if got.Err != string(s.err) {
			t.Fatalf("step %d %s(%q, %v): err = %q, want %q", i, s.f, s.key, s.value, got.Err, s.err)
		}
		if s.err != "" {
			if after := m.Snapshot(); string(after) != string(before) {
				t.Fatalf("step %d %s(%q, %v): error %s changed the state", i, s.f, s.key, s.value, s.err)
			}
			continue
		}
		if !reflect.DeepEqual(got.Value, s.want) {
			t.Fatalf("step %d %s(%q, %v) = %#v, want %#v", i, s.f, s.key, s.value, got.Value, s.want)
		}
	}
}

func TestCounterCommandsAndErrors(t *testing.T) {
	runSteps(t, NewCounter(), []step{
		{f: "get", want: int64(0)},
		{f: "increment", value: int64(5), want: int64(5)},
		{f: "increment", value: 3, want: int64(8)}, // plain Go int accepted
		{f: "decrement", value: int64(10), want: int64(-2)},
		{f: "set", value: int64(math.MaxInt64 - 1), want: int64(math.MaxInt64 - 1)},
		{f: "increment", value: int64(1), want: int64(math.MaxInt64)},
		{f: "increment", value: int64(1), err: ErrOverflow},
		// The seed names the command, not the direction: a failed decrement
		// is "Underflow" even when it would pass the top of the range.
		{f: "decrement", value: int64(-1), err: ErrUnderflow},
		{f: "decrement", value: int64(math.MinInt64), err: ErrUnderflow},
		{f: "set", value: int64(math.MinInt64), want: int64(math.MinInt64)},
		{f: "decrement", value: int64(1), err: ErrUnderflow},
		{f: "increment", value: int64(-1), err: ErrOverflow},
		{f: "reset", want: int64(0)},
		{f: "decrement", value: int64(math.MinInt64), err: ErrUnderflow},
		{f: "increment", value: "x", err: ErrBadCommand},
		{f: "increment", value: nil, err: ErrBadCommand},
		{f: "multiply", value: int64(2), err: ErrBadCommand},
		{f: "get", want: int64(0)},
	})
}

func TestCounterCountsOnlyChanges(t *testing.T) {
	c := NewCounter()
	c.Increment(1)
	c.Get()
	c.Increment(math.MaxInt64) // overflow: not counted
	c.Reset()
	if c.Ops() != 2 {
		t.Fatalf("Ops() = %d after increment, get, failed increment, reset; want 2", c.Ops())
	}
}

func TestRegisterCommandsAndErrors(t *testing.T) {
	runSteps(t, NewRegister(), []step{
		{f: "read", want: nil},
		{f: "cas", value: []any{int64(0), int64(1)}, err: ErrCASMismatch}, // unset is not 0
		{f: "write", value: int64(4), want: int64(4)},
		{f: "read", want: int64(4)},
		{f: "cas", value: []any{int64(4), int64(1)}, want: int64(1)},
		{f: "cas", value: []any{int64(4), int64(2)}, err: ErrCASMismatch},
		{f: "cas", value: []int64{1, 7}, want: int64(7)},
		{f: "cas", value: []any{int64(7)}, err: ErrBadCommand},
		{f: "cas", value: []any{"7", int64(1)}, err: ErrBadCommand},
		{f: "write", value: "x", err: ErrBadCommand},
		{f: "delete", err: ErrBadCommand},
		{f: "read", want: int64(7)},
	})
}

func TestKVCommandsAndErrors(t *testing.T) {
	long := strings.Repeat("k", MaxKeyBytes)
	big := strings.Repeat("v", MaxValueBytes)
	runSteps(t, NewKV(), []step{
		{f: "get", key: "x", want: ""},
		{f: "exists", key: "x", want: false},
		{f: "put", key: "x", value: "a", want: int64(1)},
		{f: "get", key: "x", want: "a"},
		{f: "append", key: "x", value: "b", want: int64(2)},
		{f: "get", key: "x", want: "ab"},
		{f: "append", key: "y", value: "c", want: int64(1)},
		{f: "put", key: "z", value: "", want: int64(1)},
		{f: "exists", key: "z", want: true},
		{f: "delete", key: "x", want: true},
		{f: "delete", key: "x", want: false},
		{f: "put", key: "x", value: "again", want: int64(1)}, // version restarts after delete
		{f: "put", key: "", value: "a", err: ErrKeyEmpty},
		{f: "get", key: "", err: ErrKeyEmpty},
		{f: "delete", key: "", err: ErrKeyEmpty},
		{f: "put", key: long, value: "a", want: int64(1)},
		{f: "put", key: long + "k", value: "a", err: ErrKeyTooLong},
		{f: "exists", key: long + "k", err: ErrKeyTooLong},
		{f: "put", key: "big", value: big, want: int64(1)},
		{f: "put", key: "big", value: big + "v", err: ErrValueTooLarge},
		{f: "append", key: "big", value: "v", err: ErrValueTooLarge},
		{f: "put", key: "x", value: int64(1), err: ErrBadCommand},
		{f: "cas", key: "x", err: ErrBadCommand},
	})
}

func TestKVStoreFull(t *testing.T) {
	s := NewKV()
	s.maxKeys = 2
	runSteps(t, s, []step{
		{f: "put", key: "a", value: "1", want: int64(1)},
		{f: "put", key: "b", value: "1", want: int64(1)},
		{f: "put", key: "c", value: "1", err: ErrStoreFull},
		{f: "append", key: "c", value: "1", err: ErrStoreFull},
		{f: "put", key: "a", value: "2", want: int64(2)}, // existing keys still writable
		{f: "delete", key: "b", want: true},
		{f: "put", key: "c", value: "1", want: int64(1)},
	})
	if got := s.Keys(); !reflect.DeepEqual(got, []string{"a", "c"}) {
		t.Fatalf("Keys() = %v, want sorted [a c]", got)
	}
	if ErrStoreFull.Error() != "store is full" {
		t.Fatalf("ErrStoreFull.Error() = %q, want the seed's wording", ErrStoreFull.Error())
	}
}

// TestBankFollowsTheSeed walks the rabia-rs banking example's commands in
// its order of checks: ids only at creation (50 bytes), amount before
// existence, source before destination, no transaction for opening an
// account, history newest first with an optional account and limit.
func TestBankFollowsTheSeed(t *testing.T) {
	id50 := strings.Repeat("é", MaxAccountIDBytes/2) // 25 characters, 50 bytes
	acct := func(id string, bal, n int64) map[string]any {
		return map[string]any{"id": id, "balance": bal, "transaction_count": n}
	}
	tx := func(id int64, kind, from, to string, amount int64) map[string]any {
		return map[string]any{"id": id, "kind": kind, "from": from, "to": to, "amount": amount}
	}
	runSteps(t, NewBank(), []step{
		{f: "list_accounts", want: []any{}},
		{f: "create_account", key: "bob", value: int64(0), want: acct("bob", 0, 0)},
		{f: "create_account", key: "alice", value: int64(100), want: acct("alice", 100, 0)},
		{f: "create_account", key: "alice", value: int64(5), err: ErrAccountExists},
		{f: "create_account", key: "", value: int64(5), err: ErrInvalidAccountID},
		{f: "create_account", key: "", value: int64(-5), err: ErrInvalidAccountID}, // id before balance
		{f: "create_account", key: id50, value: int64(1), want: acct(id50, 1, 0)},
		{f: "create_account", key: id50 + "x", value: int64(1), err: ErrInvalidAccountID},
		{f: "create_account", key: "alice", value: int64(-1), err: ErrNegativeInitialBalance}, // balance before existence
		{f: "create_account", key: "rich", value: int64(MaxAmount + 1), want: acct("rich", MaxAmount+1, 0)},
		{f: "deposit", key: "bob", value: int64(MaxAmount), want: int64(MaxAmount)},
		{f: "deposit", key: "bob", value: int64(MaxAmount + 1), err: ErrInvalidAmount},
		{f: "deposit", key: "bob", value: int64(0), err: ErrInvalidAmount},
		{f: "deposit", key: "nobody", value: int64(1), err: ErrNoSuchAccount},
		{f: "deposit", key: "", value: int64(0), err: ErrInvalidAmount}, // amount before existence, ids unchecked
		{f: "deposit", key: "", value: int64(1), err: ErrNoSuchAccount},
		{f: "withdraw", key: "alice", value: int64(101), err: ErrInsufficientFunds},
		{f: "withdraw", key: "alice", value: int64(40), want: int64(60)},
		{f: "withdraw", key: "alice", value: int64(-3), err: ErrInvalidAmount},
		{f: "withdraw", key: "nobody", value: int64(-3), err: ErrInvalidAmount},
		{f: "transfer", key: "alice", value: []any{"bob", int64(60)}, want: nil},
		{f: "transfer", key: "alice", value: []any{"bob", int64(1)}, err: ErrInsufficientFunds},
		{f: "transfer", key: "alice", value: []any{"alice", int64(1)}, err: ErrSameAccount},
		{f: "transfer", key: "nobody", value: []any{"nobody", int64(0)}, err: ErrInvalidAmount},
		{f: "transfer", key: "nobody", value: []any{"nobody", int64(1)}, err: ErrSameAccount},
		{f: "transfer", key: "alice", value: []any{"nobody", int64(1)}, err: ErrNoSuchAccount},
		{f: "transfer", key: "nobody", value: []any{"alice", int64(1)}, err: ErrNoSuchAccount},
		{f: "transfer", key: "alice", value: []any{"", int64(1)}, err: ErrNoSuchAccount},
		{f: "transfer", key: "alice", value: []any{"bob", int64(0)}, err: ErrInvalidAmount},
		{f: "transfer", key: "alice", value: []any{"bob"}, err: ErrBadCommand},
		{f: "transfer", key: "alice", value: "bob", err: ErrBadCommand},
		{f: "get_balance", key: "bob", want: int64(MaxAmount + 60)},
		{f: "get_balance", key: "nobody", err: ErrNoSuchAccount},
		{f: "get_balance", key: "", err: ErrNoSuchAccount},
		{f: "get_account", key: "alice", want: acct("alice", 0, 2)},
		{f: "get_account", key: "bob", want: acct("bob", MaxAmount+60, 2)},
		{f: "list_accounts", want: []any{acct("alice", 0, 2), acct("bob", MaxAmount+60, 2), acct("rich", MaxAmount+1, 0), acct(id50, 1, 0)}},
		{f: "get_transaction_history", key: "alice", want: []any{
			tx(3, "transfer", "alice", "bob", 60),
			tx(2, "withdraw", "alice", "", 40),
		}},
		{f: "get_transaction_history", key: "", want: []any{
			tx(3, "transfer", "alice", "bob", 60),
			tx(2, "withdraw", "alice", "", 40),
			tx(1, "deposit", "", "bob", MaxAmount),
		}},
		{f: "get_transaction_history", key: "bob", value: int64(1), want: []any{tx(3, "transfer", "alice", "bob", 60)}},
		{f: "get_transaction_history", key: "", value: int64(0), want: []any{}},
		{f: "get_transaction_history", key: "", value: int64(-1), err: ErrBadCommand},
		{f: "get_transaction_history", key: "nobody", want: []any{}},
		{f: "deposit", key: "bob", value: "1", err: ErrBadCommand},
		{f: "close_account", key: "bob", value: int64(1), err: ErrBadCommand},
	})
}

// TestBankTransferOverflowIsAnError: the seed adds to the destination
// unchecked; here it is an error that changes nothing.
func TestBankTransferOverflowIsAnError(t *testing.T) {
	b := NewBank()
	b.CreateAccount("a", 10)
	b.CreateAccount("full", math.MaxInt64)
	if err := b.Transfer("a", "full", 1); err != ErrOverflow {
		t.Fatalf("Transfer into a full account = %v, want %v", err, ErrOverflow)
	}
	if bal, _ := b.GetBalance("a"); bal != 10 {
		t.Fatalf("source balance %d after a failed transfer, want 10", bal)
	}
}

func TestBankConservesMoney(t *testing.T) {
	b := NewBank()
	b.CreateAccount("a", 500)
	b.CreateAccount("b", 0)
	b.Transfer("a", "b", 200)
	b.Transfer("b", "a", 50)
	b.Transfer("b", "a", 1000) // insufficient: no change
	if got := b.TotalMoney(); got != 500 {
		t.Fatalf("TotalMoney() = %d after transfers only, want 500", got)
	}
	b.Deposit("a", 7)
	b.Withdraw("b", 3)
	if got := b.TotalMoney(); got != 504 {
		t.Fatalf("TotalMoney() = %d after +7 -3, want 504", got)
	}
	if got := b.Inflow(); got != 504 {
		t.Fatalf("Inflow() = %d, want the 500 opened with +7 -3", got)
	}
}

func TestLifecycleCommandsAndErrors(t *testing.T) {
	runSteps(t, NewLifecycle(), []step{
		{f: "get", want: "Init"},
		{f: "transition", value: "Init", err: ErrInvalidTransition},
		{f: "transition", value: "Stopped", err: ErrInvalidTransition},
		{f: "transition", value: "Running", want: "Running"},
		{f: "transition", value: "Init", err: ErrInvalidTransition},
		{f: "transition", value: "Stopped", want: "Stopped"},
		{f: "transition", value: "Running", err: ErrInvalidTransition},
		{f: "transition", value: "Init", want: "Init"},
		{f: "transition", value: "Paused", err: ErrBadCommand},
		{f: "transition", value: int64(1), err: ErrBadCommand},
		{f: "get", want: "Init"},
	})
}

func TestNewKnowsEveryNameSorted(t *testing.T) {
	want := []string{"bank", "counter", "kv", "lifecycle", "register"}
	if got := Names(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
	for _, n := range want {
		if m, err := New(n); err != nil || m == nil {
			t.Fatalf("New(%q) = %v, %v", n, m, err)
		}
	}
	if _, err := New("queue"); err == nil || !strings.Contains(err.Error(), "queue") {
		t.Fatalf("New(queue) error = %v, want one naming the unknown machine", err)
	}
}
