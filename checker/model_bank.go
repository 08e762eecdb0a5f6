package checker

import (
	"fmt"
	"hash/fnv"
	"sort"
	"strings"

	"github.com/faultline-sim/faultline/machines"
)

// bankAcct is one account in the bank model.
type bankAcct struct {
	id  string
	bal int64
}

// bankState is the bank model's state: accounts sorted by id. It is never
// modified in place; every change copies it, as porcupine requires.
type bankState []bankAcct

func (s bankState) find(id string) (int, bool) {
	i := sort.Search(len(s), func(i int) bool { return s[i].id >= id })
	return i, i < len(s) && s[i].id == id
}

// with returns a copy of s with id's balance set, inserting it if new.
func (s bankState) with(id string, bal int64) bankState {
	i, ok := s.find(id)
	out := make(bankState, 0, len(s)+1)
	out = append(out, s[:i]...)
	out = append(out, bankAcct{id, bal})
	if ok {
		i++
	}
	return append(out, s[i:]...)
}

func (s bankState) balance(id string) (int64, bool) {
	if i, ok := s.find(id); ok {
		return s[i].bal, true
	}
	return 0, false
}

func bankErr(c machines.Code) Output { return Output{Err: string(c)} }

func bankIDError(id string) bool {
	return id == "" || len([]rune(id)) > machines.MaxAccountIDChars
}

func bankAmountError(a int64) bool { return a < 1 || a > machines.MaxAmount }

// bankSpec mirrors machines.Bank, including its order of error checks (ids,
// same account, amount, existence, funds, overflow). Transfers couple
// accounts, so the bank model is not partitioned. The transaction history
// is not modelled: get_transaction_history is checked for its error only.
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
		"get_transaction_history": isNull,
	},
	reads: map[string]func(any) error{
		"get_balance":   isInt,
		"get_account":   isAccount,
		"list_accounts": isStringList,
	},
	quiet: map[string]bool{"get_transaction_history": true},
	apply: bankApply,
	equal: func(a, b any) bool {
		x, y := a.(bankState), b.(bankState)
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	},
	hash: func(state any) uint64 {
		h := fnv.New64a()
		for _, a := range state.(bankState) {
			fmt.Fprintf(h, "%s\x00%d\x00", a.id, a.bal)
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
		ids := []any{}
		for _, a := range s {
			ids = append(ids, a.id)
		}
		return s, Output{Value: ids}
	case "create_account":
		return bankCreate(s, in.Key, in.Value.(int64))
	case "deposit", "withdraw":
		return bankMove(s, in.F, in.Key, in.Value.(int64))
	case "transfer":
		p := in.Value.([]any)
		return bankTransfer(s, in.Key, p[0].(string), p[1].(int64))
	}
	if bankIDError(in.Key) {
		return s, bankErr(machines.ErrInvalidAccountID)
	}
	bal, ok := s.balance(in.Key)
	if !ok {
		return s, bankErr(machines.ErrNoSuchAccount)
	}
	switch in.F {
	case "get_balance":
		return s, Output{Value: bal}
	case "get_account":
		return s, Output{Value: map[string]any{"id": in.Key, "balance": bal}}
	case "get_transaction_history":
		return s, Output{}
	}
	return s, bankErr(machines.ErrBadCommand)
}

func bankCreate(s bankState, id string, initial int64) (any, Output) {
	switch _, exists := s.balance(id); {
	case bankIDError(id):
		return s, bankErr(machines.ErrInvalidAccountID)
	case initial != 0 && bankAmountError(initial):
		return s, bankErr(machines.ErrInvalidAmount)
	case exists:
		return s, bankErr(machines.ErrAccountExists)
	}
	return s.with(id, initial), Output{Value: initial}
}

func bankMove(s bankState, f, id string, amount int64) (any, Output) {
	bal, exists := s.balance(id)
	switch {
	case bankIDError(id):
		return s, bankErr(machines.ErrInvalidAccountID)
	case bankAmountError(amount):
		return s, bankErr(machines.ErrInvalidAmount)
	case !exists:
		return s, bankErr(machines.ErrNoSuchAccount)
	case f == "withdraw" && bal < amount:
		return s, bankErr(machines.ErrInsufficientFunds)
	case f == "deposit" && bal+amount < bal:
		return s, bankErr(machines.ErrOverflow)
	}
	if f == "withdraw" {
		amount = -amount
	}
	return s.with(id, bal+amount), Output{Value: bal + amount}
}

func bankTransfer(s bankState, from, to string, amount int64) (any, Output) {
	fb, fromOK := s.balance(from)
	tb, toOK := s.balance(to)
	switch {
	case bankIDError(from), bankIDError(to):
		return s, bankErr(machines.ErrInvalidAccountID)
	case from == to:
		return s, bankErr(machines.ErrSameAccount)
	case bankAmountError(amount):
		return s, bankErr(machines.ErrInvalidAmount)
	case !fromOK, !toOK:
		return s, bankErr(machines.ErrNoSuchAccount)
	case fb < amount:
		return s, bankErr(machines.ErrInsufficientFunds)
	case tb+amount < tb:
		return s, bankErr(machines.ErrOverflow)
	}
	return s.with(from, fb-amount).with(to, tb+amount), Output{Value: fb - amount}
}

func isAccount(v any) error {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 2 || isString(m["id"]) != nil || isInt(m["balance"]) != nil {
		return fmt.Errorf(`expected {"id": string, "balance": integer}, got %s`, formatValue(v))
	}
	return nil
}

func isStringList(v any) error {
	l, ok := v.([]any)
	if !ok {
		return fmt.Errorf("expected a list of strings, got %s", formatValue(v))
	}
	for _, e := range l {
		if isString(e) != nil {
			return fmt.Errorf("expected a list of strings, got %s", formatValue(v))
		}
	}
	return nil
}
