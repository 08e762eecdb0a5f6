package machines_test

import (
	"fmt"

	"github.com/faultline-sim/faultline/machines"
)

// Replicas apply the same commands in the same order and end in the same
// state; errors are values that leave the state unchanged.
func ExampleNew() {
	a, _ := machines.New("bank")
	b, _ := machines.New("bank")
	cmds := []machines.Command{
		{F: "create_account", Key: "alice", Value: int64(100)},
		{F: "create_account", Key: "bob", Value: int64(0)},
		{F: "transfer", Key: "alice", Value: []any{"bob", int64(150)}},
		{F: "transfer", Key: "alice", Value: []any{"bob", int64(60)}},
		{F: "get_balance", Key: "bob"},
	}
	for _, c := range cmds {
		r := a.Apply(c)
		b.Apply(c)
		if r.Err != "" {
			fmt.Printf("%s -> error %s\n", c.F, r.Err)
			continue
		}
		fmt.Printf("%s -> %v\n", c.F, r.Value)
	}
	fmt.Println(a.StateHash() == b.StateHash(), a.(*machines.Bank).TotalMoney())
	// Output:
	// create_account -> map[balance:100 id:alice transaction_count:0]
	// create_account -> map[balance:0 id:bob transaction_count:0]
	// transfer -> error insufficient_funds
	// transfer -> <nil>
	// get_balance -> 60
	// true 100
}
