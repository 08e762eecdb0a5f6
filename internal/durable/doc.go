// Package durable keeps a node's records on a sim.Disk so that readers
// tell a torn record (sim.DiskConfig.TornWrites) from a good one, and so
// that a torn rewrite never destroys the last good copy of a record.
//
// Seal and Open put a CRC-32C after a record and check it: a record a
// crash cut short fails the check (but for a 2^-32 chance). A Cell is a
// record its owner rewrites (an epoch, the current slot, a whole state):
// every version goes to a fresh key, name.<generation>, and deletes the
// previous version in the same sync, so a crash leaves either the old
// version (the new one lost or torn) or the new one, never neither. This
// is how logs and double-buffered superblocks survive torn writes on real
// disks, where an in-place rewrite that tears loses both versions.
package durable
