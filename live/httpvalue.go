package live

import (
	"errors"
	"net"
	"os"
	"syscall"

	"github.com/faultline-sim/faultline/checker"
)

// normalizeJSON brings a decoded JSON value (float64 numbers) into the
// history's shapes.
func normalizeJSON(v any) (any, error) { return checker.NormalizeValue(v) }

// isRefused reports a connection the server refused: the request never
// left the client.
func isRefused(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		var sys *os.SyscallError
		return errors.As(op.Err, &sys) && errors.Is(sys.Err, syscall.ECONNREFUSED)
	}
	return false
}
