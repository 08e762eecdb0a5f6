// Package cpuhog loads the machine for tests that check a result does not
// depend on how busy the machine is: the same seed must give the same
// verdict and trace hash alone and under load.
package cpuhog

import (
	"sync"
	"sync/atomic"
)

// Start keeps n goroutines spinning until the returned stop is called: a
// CI machine at load 40 in miniature.
func Start(n int) (stop func()) {
	var done atomic.Bool
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := uint64(i)
			for !done.Load() {
				for j := 0; j < 1000; j++ {
					x = x*6364136223846793005 + 1442695040888963407
				}
			}
			_ = x
		}()
	}
	return func() { done.Store(true); wg.Wait() }
}
