package machines

import (
	"fmt"
	"sort"
)

// Limits of the banking example, from the rabia-rs seed
// (examples/banking_smr): validate_amount and validate_account_id.
const (
	MaxAmount         = 1_000_000_000
	MaxAccountIDBytes = 50
)

// TxKind names what a Transaction did.
type TxKind string

// The transaction kinds, the seed's TransactionType. Opening an account is
// not a transaction in the seed, so it has no kind.
const (
	TxDeposit  TxKind = "deposit"
	TxWithdraw TxKind = "withdraw"
	TxTransfer TxKind = "transfer"
)

// Transaction is one successful change of balances. ID comes from the bank's
// own sequence (1, 2, ...), never from a clock or a UUID, so every replica
// numbers transactions identically.
type Transaction struct {
	ID     uint64
	Kind   TxKind
	From   string // withdraw, transfer
	To     string // deposit, transfer
	Amount int64
}

// Account is an account id, its balance and how many transactions changed
// it (the seed's transaction_count).
type Account struct {
	ID               string
	Balance          int64
	TransactionCount uint64
}

// account is what the bank keeps per id. Initial is the balance the account
// was opened with: the seed records no transaction for it, and the
// conservation invariant needs it.
type account struct {
	balance, initial int64
	txCount          uint64
}

// Bank is the seed's banking SMR, with the seed's checks in the seed's
// order for every command (see the fidelity table in doc.go). Money is
// conserved: only create_account (its initial balance), deposit and
// withdraw change TotalMoney, by exactly their amount; Inflow says how much
// they brought in.
//
// Apply vocabulary (Key is the account id):
//   - create_account (initial balance) answers the account;
//   - deposit and withdraw (amount) answer the new balance;
//   - transfer ([to, amount]; Key is the source) answers null, as the seed
//     answers no data, only a transaction id;
//   - get_balance answers the balance; get_account answers
//     {"id", "balance", "transaction_count"};
//   - list_accounts answers every account, sorted by id;
//   - get_transaction_history (null or a limit; Key "" means every
//     account) answers the matching transactions newest first as
//     {"id", "kind", "from", "to", "amount"}.
type Bank struct {
	accounts map[string]*account
	txs      []Transaction
	hash     hashCache
}

// NewBank returns a bank with no accounts.
func NewBank() *Bank { return &Bank{accounts: map[string]*account{}} }

// checkAccountID is the seed's validate_account_id: non-empty, at most 50
// bytes. The seed applies it only when an account is created.
func checkAccountID(id string) error {
	if id == "" || len(id) > MaxAccountIDBytes {
		return ErrInvalidAccountID
	}
	return nil
}

// checkAmount is the seed's validate_amount: positive, at most MaxAmount.
func checkAmount(a int64) error {
	if a <= 0 || a > MaxAmount {
		return ErrInvalidAmount
	}
	return nil
}

// CreateAccount opens id with a non-negative initial balance. The seed
// puts no upper limit on it.
func (b *Bank) CreateAccount(id string, initial int64) (Account, error) {
	if err := checkAccountID(id); err != nil {
		return Account{}, err
	}
	if initial < 0 {
		return Account{}, ErrNegativeInitialBalance
	}
	if _, ok := b.accounts[id]; ok {
		return Account{}, ErrAccountExists
	}
	b.accounts[id] = &account{balance: initial, initial: initial}
	b.hash.invalidate()
	return Account{ID: id, Balance: initial}, nil
}

// Deposit adds amount to id and returns the new balance.
func (b *Bank) Deposit(id string, amount int64) (int64, error) {
	a, err := b.lookup(id, amount)
	if err != nil {
		return 0, err
	}
	nb, err := addChecked(a.balance, amount)
	if err != nil {
		return 0, err
	}
	b.change(a, nb)
	b.record(Transaction{Kind: TxDeposit, To: id, Amount: amount})
	return nb, nil
}

// Withdraw takes amount from id and returns the new balance.
func (b *Bank) Withdraw(id string, amount int64) (int64, error) {
	a, err := b.lookup(id, amount)
	if err != nil {
		return 0, err
	}
	if a.balance < amount {
		return 0, ErrInsufficientFunds
	}
	b.change(a, a.balance-amount)
	b.record(Transaction{Kind: TxWithdraw, From: id, Amount: amount})
	return a.balance, nil
}

// Transfer moves amount from one account to another. The seed checks the
// amount, then that the accounts differ, then the source, the destination
// and the funds.
func (b *Bank) Transfer(from, to string, amount int64) error {
	if err := checkAmount(amount); err != nil {
		return err
	}
	if from == to {
		return ErrSameAccount
	}
	src, ok := b.accounts[from]
	if !ok {
		return ErrNoSuchAccount
	}
	dst, ok := b.accounts[to]
	if !ok {
		return ErrNoSuchAccount
	}
	if src.balance < amount {
		return ErrInsufficientFunds
	}
	// The seed adds to the destination unchecked (a panic in a debug build,
	// a wrap in a release one); a machine must stay total, so it is an error.
	nb, err := addChecked(dst.balance, amount)
	if err != nil {
		return err
	}
	b.change(src, src.balance-amount)
	b.change(dst, nb)
	b.record(Transaction{Kind: TxTransfer, From: from, To: to, Amount: amount})
	return nil
}

// lookup checks the amount, then that id exists, the seed's order for
// deposit and withdraw.
func (b *Bank) lookup(id string, amount int64) (*account, error) {
	if err := checkAmount(amount); err != nil {
		return nil, err
	}
	a, ok := b.accounts[id]
	if !ok {
		return nil, ErrNoSuchAccount
	}
	return a, nil
}

// change is the seed's update_balance: a new balance and one more
// transaction on the account.
func (b *Bank) change(a *account, balance int64) {
	a.balance = balance
	a.txCount++
}

func (b *Bank) record(t Transaction) {
	t.ID = uint64(len(b.txs)) + 1
	b.txs = append(b.txs, t)
	b.hash.invalidate()
}

// GetBalance returns id's balance.
func (b *Bank) GetBalance(id string) (int64, error) {
	a, ok := b.accounts[id]
	if !ok {
		return 0, ErrNoSuchAccount
	}
	return a.balance, nil
}

// GetAccount returns the account id.
func (b *Bank) GetAccount(id string) (Account, error) {
	a, ok := b.accounts[id]
	if !ok {
		return Account{}, ErrNoSuchAccount
	}
	return Account{ID: id, Balance: a.balance, TransactionCount: a.txCount}, nil
}

// ListAccounts returns every account sorted by id (the seed lists them in
// hash-map order, which no two replicas need share).
func (b *Bank) ListAccounts() []Account {
	out := make([]Account, 0, len(b.accounts))
	for id, a := range b.accounts {
		out = append(out, Account{ID: id, Balance: a.balance, TransactionCount: a.txCount})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// GetTransactionHistory returns the transactions that touched id, or every
// transaction when id is "", newest first, at most limit of them when limit
// is not negative. An unknown id has no transactions, as in the seed.
func (b *Bank) GetTransactionHistory(id string, limit int) []Transaction {
	out := []Transaction{}
	for i := len(b.txs) - 1; i >= 0 && (limit < 0 || len(out) < limit); i-- {
		if t := b.txs[i]; id == "" || t.From == id || t.To == id {
			out = append(out, t)
		}
	}
	return out
}

// TotalMoney is the sum of all balances, for the conservation invariant:
// transfers never change it.
func (b *Bank) TotalMoney() int64 {
	var sum int64
	for _, a := range b.accounts {
		sum += a.balance
	}
	return sum
}

// Inflow is the money the bank was given: every initial balance plus every
// deposit minus every withdrawal. A correct bank has Inflow() ==
// TotalMoney().
func (b *Bank) Inflow() int64 {
	var total int64
	for _, a := range b.accounts {
		total += a.initial
	}
	for _, t := range b.txs {
		switch t.Kind {
		case TxDeposit:
			total += t.Amount
		case TxWithdraw:
			total -= t.Amount
		}
	}
	return total
}

// Apply implements Machine.
func (b *Bank) Apply(c Command) Result {
	switch c.F {
	case "get_balance":
		return result(b.GetBalance(c.Key))
	case "get_account":
		a, err := b.GetAccount(c.Key)
		return result(accountValue(a), err)
	case "list_accounts":
		out := []any{}
		for _, a := range b.ListAccounts() {
			out = append(out, accountValue(a))
		}
		return Result{Value: out}
	case "get_transaction_history":
		return b.applyHistory(c)
	case "transfer":
		to, amount, ok := asPair(c.Value)
		toID, ok1 := asString(to)
		n, ok2 := asInt(amount)
		if !ok || !ok1 || !ok2 {
			return fail(ErrBadCommand)
		}
		return result(nil, b.Transfer(c.Key, toID, n))
	}
	n, ok := asInt(c.Value)
	if !ok {
		return fail(ErrBadCommand)
	}
	switch c.F {
	case "create_account":
		a, err := b.CreateAccount(c.Key, n)
		return result(accountValue(a), err)
	case "deposit":
		return result(b.Deposit(c.Key, n))
	case "withdraw":
		return result(b.Withdraw(c.Key, n))
	}
	return fail(ErrBadCommand)
}

// applyHistory reads get_transaction_history's optional limit: null for
// none, else a non-negative integer.
func (b *Bank) applyHistory(c Command) Result {
	limit := int64(-1)
	if c.Value != nil {
		n, ok := asInt(c.Value)
		if !ok || n < 0 {
			return fail(ErrBadCommand)
		}
		limit = n
	}
	if limit > int64(len(b.txs)) {
		limit = int64(len(b.txs))
	}
	return Result{Value: txValues(b.GetTransactionHistory(c.Key, int(limit)))}
}

func accountValue(a Account) map[string]any {
	return map[string]any{"id": a.ID, "balance": a.Balance, "transaction_count": int64(a.TransactionCount)}
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

const bankMagic = "faultline/bank/v2"

// Snapshot implements Machine.
func (b *Bank) Snapshot() []byte {
	e := newEncoder(bankMagic)
	ids := make([]string, 0, len(b.accounts))
	for id := range b.accounts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	e.Uvarint(uint64(len(ids)))
	for _, id := range ids {
		a := b.accounts[id]
		e.Str(id)
		e.Varint(a.balance)
		e.Varint(a.initial)
		e.Uvarint(a.txCount)
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
	accounts := make(map[string]*account, n)
	for i := 0; i < n && d.Err() == nil; i++ {
		id := d.Str()
		accounts[id] = &account{balance: d.Varint(), initial: d.Varint(), txCount: d.Uvarint()}
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
	if len(accounts) != n {
		return fmt.Errorf("bank restore: duplicate account ids")
	}
	b.accounts, b.txs = accounts, txs
	b.hash.invalidate()
	return nil
}

// StateHash implements Machine.
func (b *Bank) StateHash() uint64 { return b.hash.get(b.Snapshot) }
