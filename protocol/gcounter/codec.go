package gcounter

import "github.com/faultline-sim/faultline/sim"

// The client operations, in the history vocabulary.
const (
	// OpIncrement adds Value (a non-negative integer, or a string the
	// replica parses strictly) to counter Key, with the run's write wait.
	OpIncrement = "increment"
	// OpGet reads counter Key: locally, or with the run's read wait.
	OpGet = "get"
	// OpConsistentGet reads counter Key through consistent_value.
	OpConsistentGet = "consistent_get"
	// OpConfigure posts Value as the /config body.
	OpConfigure = "configure"
)

// The error codes of failed operations (ReplyFail.Err).
const (
	ErrBadRequest = "bad_request" // 400
	ErrForbidden  = "forbidden"   // 403
	ErrNotFound   = "not_found"   // 404
	ErrConflict   = "conflict"    // 409
)

// Codec is the client adapter: it puts the run's wait parameters on
// increments and gets, and maps status codes onto replies: 200 and 204 are
// OK, 400/403/404/409 a definite failure, 503 a retry, 408 an unknown
// outcome (the increment may well have been applied).
type Codec struct {
	WriteWait string
	ReadWait  string
}

var methodOf = map[string]Method{
	OpIncrement:     MethodIncrement,
	OpGet:           MethodValue,
	OpConsistentGet: MethodConsistentValue,
	OpConfigure:     MethodConfigure,
}

// Encode implements sim.ClientCodec. An unknown operation becomes a request
// to no endpoint, which the replica answers with 404.
func (c Codec) Encode(r sim.Request) sim.Message {
	req := ClientRequest{Client: r.Client, Seq: r.Seq, Method: methodOf[r.Op.F], Name: r.Op.Key, Body: r.Op.Value}
	switch req.Method {
	case MethodIncrement:
		req.Wait = c.WriteWait
	case MethodValue:
		req.Wait = c.ReadWait
	}
	return req
}

// Decode implements sim.ClientCodec.
func (c Codec) Decode(m sim.Message) (sim.Reply, bool) {
	resp, ok := m.(ClientResponse)
	if !ok {
		return sim.Reply{}, false
	}
	r := sim.Reply{Seq: resp.Seq}
	switch resp.Status {
	case StatusOK:
		r.Status, r.Value = sim.ReplyOK, resp.Value
	case StatusNoContent:
		r.Status = sim.ReplyOK
	case StatusTimeout:
		r.Status, r.Value = sim.ReplyUnknown, resp.Value
	case StatusUnavailable:
		r.Status = sim.ReplyRetry
	default:
		r.Status, r.Err = sim.ReplyFail, errorCode(resp.Status)
	}
	return r, true
}

func errorCode(status int) string {
	switch status {
	case StatusBadRequest:
		return ErrBadRequest
	case StatusForbidden:
		return ErrForbidden
	case StatusConflict:
		return ErrConflict
	}
	return ErrNotFound
}
