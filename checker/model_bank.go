package checker

import (
	"fmt"
	"hash/fnv"
	"slices"
	"sort"
	"strings"

	"github.com/faultline-sim/faultline/machines"
)

// bankAcct is one account in the bank model: its balance and how many
// transactions changed it.
type bankAcct struct {
	id  string
	bal int64
	txs int64
}

// bankState is the bank model's state: accounts sorted by id. It is never
// modified in place; every change copies it, as porcupine requires.
type bankState []bankAcct

func (s bankState) find(id string) (int, bool) {
	i := sort.Search(len(s), func(i int) bool { return s[i].id >= id })
	return i, i < len(s) && s[i].id == id
}

// with returns a copy of s with a's entry set, inserting it if new.
func (s bankState) with(a bankAcct) bankState {
	i, ok := s.find(a.id)
	out := make(bankState, 0, len(s)+1)
	out = append(out, s[:i]...)
	out = append(out, a)
	if ok {
		i++
	}
	return append(out, s[i:]...)
}

func (s bankState) get(id string) (bankAcct, bool) {
	if i, ok := s.find(id); ok {
		return s[i], true
	}
	return bankAcct{}, false
}

// changed is the account after one more transaction leaves it at bal.
func (a bankAcct) changed(bal int64) bankAcct { return bankAcct{a.id, bal, a.txs + 1} }

func (a bankAcct) value() map[string]any {
	return map[string]any{"id": a.id, "balance": a.bal, "transaction_count": a.txs}
}

func bankErr(c machines.Code) Output { return Output{Err: string(c)} }

func bankAmountError(a int64) bool { return a < 1 || a > machines.MaxAmount }

// bankSpec mirrors machines.Bank, including the seed's order of error
// checks for each command. Transfers couple accounts, so the bank model is
// not partitioned. The transaction history is not modelled:
// get_transaction_history is checked for its error only.
var bankSpec = &spec{
	name: "bank",
	init: func() any { return bankState(nil) },
	ops: map[string]func(any) error{
		"create_account":          isInt,
		"deposit":                 isInt,
		"withdraw":                isInt,
		"transfer":                pairOf(isString, isInt),
		"get_balance":             isNull,
		"get_account":             isNull,
		"list_accounts":           isNull,
		"get_transaction_history": isNullOrInt,
	},
	reads: map[string]func(any) error{
		"get_balance":   isInt,
		"get_account":   isAccount,
		"list_accounts": listOf(isAccount),
	},
	quiet: map[string]bool{"get_transaction_history": true},
	apply: bankApply,
	equal: func(a, b any) bool { return slices.Equal(a.(bankState), b.(bankState)) },
	hash: func(state any) uint64 {
		h := fnv.New64a()
		for _, a := range state.(bankState) {
			fmt.Fprintf(h, "%s\x00%d\x00%d\x00", a.id, a.bal, a.txs)
		}
		return h.Sum64()
	},
	describe: func(state any) string {
		parts := []string{}
		for _, a := range state.(bankState) {
			parts = append(parts, fmt.Sprintf("%s=%d", a.id, a.bal))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	},
}

func bankApply(state any, in Input) (any, Output) {
	s := state.(bankState)
	switch in.F {
	case "list_accounts":
		out := []any{}
		for _, a := range s {
			out = append(out, a.value())
		}
		return s, Output{Value: out}
	case "create_account":
		return bankCreate(s, in.Key, in.Value.(int64))
	case "deposit", "withdraw":
		return bankMove(s, in.F, in.Key, in.Value.(int64))
	case "transfer":
		p := in.Value.([]any)
		return bankTransfer(s, in.Key, p[0].(string), p[1].(int64))
	case "get_transaction_history":
		if n, ok := in.Value.(int64); ok && n < 0 {
			return s, bankErr(machines.ErrBadCommand)
		}
		return s, Output{}
	}
	a, ok := s.get(in.Key)
	if !ok {
		return s, bankErr(machines.ErrNoSuchAccount)
	}
	switch in.F {
	case "get_balance":
		return s, Output{Value: a.bal}
	case "get_account":
		return s, Output{Value: a.value()}
	}
	return s, bankErr(machines.ErrBadCommand)
}

func bankCreate(s bankState, id string, initial int64) (any, Output) {
	switch _, exists := s.get(id); {
	case id == "" || len(id) > machines.MaxAccountIDBytes:
		return s, bankErr(machines.ErrInvalidAccountID)
	case initial < 0:
		return s, bankErr(machines.ErrNegativeInitialBalance)
	case exists:
		return s, bankErr(machines.ErrAccountExists)
	}
	a := bankAcct{id: id, bal: initial}
	return s.with(a), Output{Value: a.value()}
}

func bankMove(s bankState, f, id string, amount int64) (any, Output) {
	a, exists := s.get(id)
	switch {
	case bankAmountError(amount):
		return s, bankErr(machines.ErrInvalidAmount)
	case !exists:
		return s, bankErr(machines.ErrNoSuchAccount)
	case f == "withdraw" && a.bal < amount:
		return s, bankErr(machines.ErrInsufficientFunds)
	case f == "deposit" && a.bal+amount < a.bal:
		return s, bankErr(machines.ErrOverflow)
	}
	if f == "withdraw" {
		amount = -amount
	}
	return s.with(a.changed(a.bal + amount)), Output{Value: a.bal + amount}
}

func bankTransfer(s bankState, from, to string, amount int64) (any, Output) {
	src, fromOK := s.get(from)
	dst, toOK := s.get(to)
	switch {
	case bankAmountError(amount):
		return s, bankErr(machines.ErrInvalidAmount)
	case from == to:
		return s, bankErr(machines.ErrSameAccount)
	case !fromOK, !toOK:
		return s, bankErr(machines.ErrNoSuchAccount)
	case src.bal < amount:
		return s, bankErr(machines.ErrInsufficientFunds)
	case dst.bal+amount < dst.bal:
		return s, bankErr(machines.ErrOverflow)
	}
	return s.with(src.changed(src.bal - amount)).with(dst.changed(dst.bal + amount)), Output{}
}

func isAccount(v any) error {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 3 || isString(m["id"]) != nil || isInt(m["balance"]) != nil || isInt(m["transaction_count"]) != nil {
		return fmt.Errorf(`expected {"id": string, "balance": integer, "transaction_count": integer}, got %s`, formatValue(v))
	}
	return nil
}

// listOf checks a list whose elements all pass each.
func listOf(each func(any) error) func(any) error {
	return func(v any) error {
		l, ok := v.([]any)
		if !ok {
			return fmt.Errorf("expected a list, got %s", formatValue(v))
		}
		for i, e := range l {
			if err := each(e); err != nil {
				return fmt.Errorf("element %d: %w", i, err)
			}
		}
		return nil
	}
}
