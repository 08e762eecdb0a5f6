// Package counterdb serves CounterDB's HTTP API (the README in
// ../shared/seeds/counterdb-readme.txt) from a G-counter replica that runs
// for real: the same protocol/gcounter node the simulator runs, hosted by
// the live runtime.
//
// The package only translates. An HTTP request becomes a
// gcounter.ClientRequest, the replica decides, and its ClientResponse
// becomes the HTTP status and a text body. Every decision the README
// describes (configuration, strict body parsing, '$' names, wait=W and
// wait=R, consistent_value's AAE handshake and its five-minute 408) is the
// node's, so a live cluster and a simulated one answer alike. What is left
// to HTTP is what cowboy_rest decided in the reference code
// (urbanserj/counterdb): routes, methods, the Content-Type /config
// requires and the Accept header.
//
//	request                                     | answer
//	POST /config, Content-Type application/json | 204 stored; 400 not a JSON actor list;
//	                                            |   409 already configured (the node)
//	POST /config without that Content-Type      | 415 (cowboy's content_types_accepted)
//	POST /counter/NAME[?wait=W], body n         | 200 new value; 408 value at the wait deadline;
//	                                            |   400 body not a non-negative integer;
//	                                            |   403 NAME starts with '$'; 503 not configured
//	GET /counter/NAME/value[?wait=R]            | 200 value; 408 best value at the deadline; 503
//	GET /counter/NAME/consistent_value          | 200 consistent value; 408 best value after
//	                                            |   the consistent timeout (5 minutes); 503
//	a known path with another method            | 405 with an Allow header
//	an Accept header without text/plain         | 406 (content_types_provided)
//	a body over MaxBody bytes                   | 413
//	any other path                              | 404
//	the replica is down (never submitted)       | 503
//	the replica went away after taking it       | 504: it may have happened
//
// Where this package differs from the reference, on purpose:
//
//   - /config's actors must be the cluster's members, named by node id
//     ("0", "1", ...; API sets them): an actor the cluster does not have
//     (the README's IP addresses) is 400 naming it, where the reference
//     would store it and never replicate.
//   - A wrong method is 405 even before configuration; cowboy's
//     service_available check would answer 503 first. Knowing the
//     configuration takes a round trip to the replica, and a wrong method
//     is wrong either way.
//   - Error statuses carry the node's reason as a one-line text body where
//     the reference sends none.
//   - NAME is one path segment, percent-decoded, so a counter named "a/b"
//     is /counter/a%2Fb.
//
// The package starts no goroutines of its own; each request waits, in the
// server's goroutine for it, for the replica's response or the request's
// context.
package counterdb
