package machines

import (
	"fmt"
	"sort"
	"unicode/utf8"
)

// Limits of the banking example, from the rabia-rs seed.
const (
	MaxAmount         = 1_000_000_000
	MaxAccountIDChars = 50
)

// TxKind names what a Transaction did.
type TxKind string

// The transaction kinds.
const (
	TxCreate   TxKind = "create"
	TxDeposit  TxKind = "deposit"
	TxWithdraw TxKind = "withdraw"
	TxTransfer TxKind = "transfer"
)

// Transaction is one successful change of balances. ID comes from the bank's
// own sequence (1, 2, ...), never from a clock, so every replica numbers
// transactions identically.
type Transaction struct {
	ID     uint64
	Kind   TxKind
	From   string // withdraw, transfer
	To     string // create, deposit, transfer
	Amount int64
}

// Account is an account id and its balance.
type Account struct {
	ID      string
	Balance int64
}

// Bank is the seed's banking SMR. Amounts are in (0, MaxAmount]; an account
// may be created with an initial balance of 0. Money is conserved: only
// create, deposit and withdraw change TotalMoney, by exactly their amount.
// Errors are checked in a fixed order (ids, then same account, then amount,
// then existence, then funds) that the checker's model mirrors.
//
// Apply vocabulary (Key is the account id): create_account (initial
// balance), deposit (amount), withdraw (amount), transfer ([to, amount]; Key
// is the source) each answer with the account's new balance (the source's
// for transfer); get_balance answers the balance; get_account answers
// {"id", "balance"}; list_accounts answers the sorted ids;
// get_transaction_history answers the account's transactions in order as
// {"id", "kind", "from", "to", "amount"}.
type Bank struct {
	balances map[string]int64
	txs      []Transaction
	hash     hashCache
}

// NewBank returns a bank with no accounts.
func NewBank() *Bank { return &Bank{balances: map[string]int64{}} }

func checkAccountID(id string) error {
	if id == "" || utf8.RuneCountInString(id) > MaxAccountIDChars {
		return ErrInvalidAccountID
	}
	return nil
}

func checkAmount(a int64) error {
	if a <= 0 || a > MaxAmount {
		return ErrInvalidAmount
	}
	return nil
}

// CreateAccount opens id with an initial balance in [0, MaxAmount].
func (b *Bank) CreateAccount(id string, initial int64) (int64, error) {
	if err := checkAccountID(id); err != nil {
		return 0, err
	}
	if initial != 0 {
		if err := checkAmount(initial); err != nil {
			return 0, err
		}
	}
	if _, ok := b.balances[id]; ok {
		return 0, ErrAccountExists
	}
	b.balances[id] = initial
	b.record(Transaction{Kind: TxCreate, To: id, Amount: initial})
	return initial, nil
}

// Deposit adds amount to id and returns the new balance.
func (b *Bank) Deposit(id string, amount int64) (int64, error) {
	bal, err := b.lookup(id, amount)
	if err != nil {
		return 0, err
	}
	nb, err := addChecked(bal, amount)
	if err != nil {
		return 0, err
	}
	b.balances[id] = nb
	b.record(Transaction{Kind: TxDeposit, To: id, Amount: amount})
	return nb, nil
}

// Withdraw takes amount from id and returns the new balance.
func (b *Bank) Withdraw(id string, amount int64) (int64, error) {
	bal, err := b.lookup(id, amount)
	if err != nil {
		return 0, err
	}
	if bal < amount {
		return 0, ErrInsufficientFunds
	}
	b.balances[id] = bal - amount
	b.record(Transaction{Kind: TxWithdraw, From: id, Amount: amount})
	return bal - amount, nil
}

// Transfer moves amount from one account to another and returns the source's
// new balance.
func (b *Bank) Transfer(from, to string, amount int64) (int64, error) {
	if err := checkAccountID(from); err != nil {
		return 0, err
	}
	if err := checkAccountID(to); err != nil {
		return 0, err
	}
	if from == to {
		return 0, ErrSameAccount
	}
	fb, err := b.lookup(from, amount)
	if err != nil {
		return 0, err
	}
	tb, ok := b.balances[to]
	if !ok {
		return 0, ErrNoSuchAccount
	}
	if fb < amount {
		return 0, ErrInsufficientFunds
	}
	ntb, err := addChecked(tb, amount)
	if err != nil {
		return 0, err
	}
	b.balances[from], b.balances[to] = fb-amount, ntb
	b.record(Transaction{Kind: TxTransfer, From: from, To: to, Amount: amount})
	return fb - amount, nil
}

// lookup validates id and amount, in that order, and returns id's balance.
func (b *Bank) lookup(id string, amount int64) (int64, error) {
	if err := checkAccountID(id); err != nil {
		return 0, err
	}
	if err := checkAmount(amount); err != nil {
		return 0, err
	}
	bal, ok := b.balances[id]
	if !ok {
		return 0, ErrNoSuchAccount
	}
	return bal, nil
}

func (b *Bank) record(t Transaction) {
	t.ID = uint64(len(b.txs)) + 1
	b.txs = append(b.txs, t)
	b.hash.invalidate()
}

// GetBalance returns id's balance.
func (b *Bank) GetBalance(id string) (int64, error) {
	if err := checkAccountID(id); err != nil {
		return 0, err
	}
	bal, ok := b.balances[id]
	if !ok {
		return 0, ErrNoSuchAccount
	}
	return bal, nil
}

// GetAccount returns the account id.
func (b *Bank) GetAccount(id string) (Account, error) {
	bal, err := b.GetBalance(id)
	return Account{ID: id, Balance: bal}, err
}

// ListAccounts returns every account sorted by id.
func (b *Bank) ListAccounts() []Account {
	out := make([]Account, 0, len(b.balances))
	for id, bal := range b.balances {
		out = append(out, Account{ID: id, Balance: bal})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// GetTransactionHistory returns the transactions that touched id, oldest
// first.
func (b *Bank) GetTransactionHistory(id string) ([]Transaction, error) {
	if _, err := b.GetBalance(id); err != nil {
		return nil, err
	}
	var out []Transaction
	for _, t := range b.txs {
		if t.From == id || t.To == id {
			out = append(out, t)
		}
	}
	return out, nil
}

// TotalMoney is the sum of all balances, for the conservation invariant:
// transfers never change it.
func (b *Bank) TotalMoney() int64 {
	var sum int64
	for _, bal := range b.balances {
		sum += bal
	}
	return sum
}

// Apply implements Machine.
func (b *Bank) Apply(c Command) Result {
	switch c.F {
	case "get_balance":
		return result(b.GetBalance(c.Key))
	case "get_account":
		a, err := b.GetAccount(c.Key)
		return result(map[string]any{"id": a.ID, "balance": a.Balance}, err)
	case "list_accounts":
		ids := []any{}
		for _, a := range b.ListAccounts() {
			ids = append(ids, a.ID)
		}
		return Result{Value: ids}
	case "get_transaction_history":
		txs, err := b.GetTransactionHistory(c.Key)
		return result(txValues(txs), err)
	case "transfer":
		to, amount, ok := asPair(c.Value)
		toID, ok1 := asString(to)
		n, ok2 := asInt(amount)
		if !ok || !ok1 || !ok2 {
			return fail(ErrBadCommand)
		}
		return result(b.Transfer(c.Key, toID, n))
	}
	n, ok := asInt(c.Value)
	if !ok {
		return fail(ErrBadCommand)
	}
	switch c.F {
	case "create_account":
		return result(b.CreateAccount(c.Key, n))
	case "deposit":
		return result(b.Deposit(c.Key, n))
	case "withdraw":
		return result(b.Withdraw(c.Key, n))
	}
	return fail(ErrBadCommand)
}

func txValues(txs []Transaction) []any {
	out := make([]any, 0, len(txs))
	for _, t := range txs {
		out = append(out, map[string]any{
			"id": int64(t.ID), "kind": string(t.Kind), "from": t.From, "to": t.To, "amount": t.Amount,
		})
	}
	return out
}

const bankMagic = "faultline/bank/v1"

// Snapshot implements Machine.
func (b *Bank) Snapshot() []byte {
	e := newEncoder(bankMagic)
	accts := b.ListAccounts()
	e.Uvarint(uint64(len(accts)))
	for _, a := range accts {
		e.Str(a.ID)
		e.Varint(a.Balance)
	}
	e.Uvarint(uint64(len(b.txs)))
	for _, t := range b.txs {
		e.Str(string(t.Kind))
		e.Str(t.From)
		e.Str(t.To)
		e.Varint(t.Amount)
	}
	return e.Bytes()
}

// Restore implements Machine. Transaction ids are positions, so they are
// not stored.
func (b *Bank) Restore(data []byte) error {
	d := newDecoder(data, bankMagic)
	n := d.Count()
	balances := make(map[string]int64, n)
	for i := 0; i < n && d.Err() == nil; i++ {
		id := d.Str()
		balances[id] = d.Varint()
	}
	m := d.Count()
	txs := make([]Transaction, 0, m)
	for i := 0; i < m && d.Err() == nil; i++ {
		t := Transaction{ID: uint64(i) + 1, Kind: TxKind(d.Str()), From: d.Str(), To: d.Str(), Amount: d.Varint()}
		txs = append(txs, t)
	}
	if err := d.finish(); err != nil {
		return fmt.Errorf("bank restore: %w", err)
	}
	if len(balances) != n {
		return fmt.Errorf("bank restore: duplicate account ids")
	}
	b.balances, b.txs = balances, txs
	b.hash.invalidate()
	return nil
}

// StateHash implements Machine.
func (b *Bank) StateHash() uint64 { return b.hash.get(b.Snapshot) }
