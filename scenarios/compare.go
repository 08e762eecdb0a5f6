package scenarios

import "fmt"

// WithProtocol returns a copy of s that runs protocol name instead, on the
// same cluster, network, disk, clients, workload, phases, fault schedule,
// nemeses, checks and budgets: the one thing `simrun compare` varies.
// Under one seed the copy draws the same fault schedule and the same
// client operations as s, because those come from streams named by the
// seed, not by the protocol.
//
// The copy keeps s's machine, so name must serve it. s's params belong to
// s's protocol: they are kept when name is s's own protocol and dropped
// otherwise, so the new protocol runs with its defaults.
func (s *Scenario) WithProtocol(name string) (*Scenario, error) {
	c := s.Clone()
	if name != s.Protocol {
		c.Protocol = name
		c.Params = nil
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("scenario %s with protocol %s: %w", s.Source, name, err)
	}
	return c, nil
}
