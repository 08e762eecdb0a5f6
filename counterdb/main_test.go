package counterdb

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves a goroutine behind: a
// server, a timer callback or a request still waiting on a replica.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
