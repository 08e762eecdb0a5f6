package machines

// Code is a stable error code returned by a machine. It is an error so the
// typed APIs can return it directly; its string form is what histories
// record in Event.Error and what Result.Err carries.
type Code string

// The error codes. They are part of the history format: never rename one.
const (
	ErrBadCommand             Code = "bad_command"              // unknown operation or wrong value shape
	ErrOverflow               Code = "overflow"                 // the result would exceed the int64 range
	ErrUnderflow              Code = "underflow"                // the result would go below the int64 range
	ErrCASMismatch            Code = "cas_mismatch"             // register cas: current value is not the expected one
	ErrKeyEmpty               Code = "key_empty"                // kv: the key is ""
	ErrKeyTooLong             Code = "key_too_long"             // kv: the key is longer than MaxKeyBytes
	ErrValueTooLarge          Code = "value_too_large"          // kv: the value would exceed MaxValueBytes
	ErrStoreFull              Code = "store_full"               // kv: a new key would exceed MaxKeys
	ErrInvalidAmount          Code = "invalid_amount"           // bank: amount outside (0, MaxAmount]
	ErrInvalidAccountID       Code = "invalid_account_id"       // bank: new account id empty or longer than MaxAccountIDBytes
	ErrNegativeInitialBalance Code = "negative_initial_balance" // bank: create_account with an initial balance below 0
	ErrAccountExists          Code = "account_exists"           // bank: create of an existing account
	ErrNoSuchAccount          Code = "no_such_account"          // bank: the account does not exist
	ErrInsufficientFunds      Code = "insufficient_funds"       // bank: balance lower than the amount
	ErrSameAccount            Code = "same_account"             // bank: transfer to the account it comes from
	ErrInvalidTransition      Code = "invalid_transition"       // lifecycle: not the next state in Init → Running → Stopped → Init
)

var codeText = map[Code]string{
	ErrBadCommand:             "bad command",
	ErrOverflow:               "integer overflow",
	ErrUnderflow:              "integer underflow",
	ErrCASMismatch:            "compare-and-set: current value differs",
	ErrKeyEmpty:               "key is empty",
	ErrKeyTooLong:             "key is longer than 256 bytes",
	ErrValueTooLarge:          "value is larger than 1 MiB",
	ErrStoreFull:              "store is full",
	ErrInvalidAmount:          "amount must be greater than 0 and at most 1,000,000,000",
	ErrInvalidAccountID:       "account id must be non-empty and at most 50 bytes",
	ErrNegativeInitialBalance: "initial balance cannot be negative",
	ErrAccountExists:          "account already exists",
	ErrNoSuchAccount:          "no such account",
	ErrInsufficientFunds:      "insufficient funds",
	ErrSameAccount:            "cannot transfer to the same account",
	ErrInvalidTransition:      "invalid state transition",
}

// Error returns a sentence for a person; the code itself is the string value.
func (c Code) Error() string {
	if t, ok := codeText[c]; ok {
		return t
	}
	return string(c)
}
