package load

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a run leaves a client, the nemesis or a
// timer goroutine behind.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
