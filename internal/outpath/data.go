package outpath

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// DataMarkerFile marks a directory as a live cluster's data directory
// (simrun serve -data): the replicas' disks live in it.
const DataMarkerFile = ".faultline-data"

type dataMarker struct {
	Kind    string `json:"faultline"` // "live-data"
	Version int    `json:"version"`
}

const dataMarkerKind, dataMarkerVersion = "live-data", 1

// OpenDataDir prepares path as a live cluster's data directory: one that
// does not exist is created, an empty one is adopted, one that carries
// DataMarkerFile is reused as it is (the replicas find their disks
// again). Any other is refused with a *RefusedError unless force is set;
// with force Faultline adds its files and deletes nothing. A file is
// always refused.
func OpenDataDir(path string, force bool) error {
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(path, 0o755); err != nil {
			return err
		}
		return writeDataMarker(path)
	case err != nil:
		return err
	case !info.IsDir():
		return noForce(path, "is a file, not a directory")
	}
	b, err := os.ReadFile(filepath.Join(path, DataMarkerFile))
	if err == nil {
		var m dataMarker
		if json.Unmarshal(b, &m) == nil && m.Kind == dataMarkerKind && m.Version == dataMarkerVersion {
			return nil
		}
		if !force {
			return &RefusedError{Path: path, Reason: "has a damaged " + DataMarkerFile,
				Hint: "choose another path, or pass -force to use it; nothing in it is deleted"}
		}
		return writeDataMarker(path)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	empty, err := isEmpty(path)
	if err != nil {
		return err
	}
	if !empty && !force {
		return &RefusedError{Path: path, Reason: "exists and is not a Faultline data directory (it has no " + DataMarkerFile + " file)",
			Hint: "choose another path, or pass -force to use it; nothing in it is deleted"}
	}
	return writeDataMarker(path)
}

func writeDataMarker(dir string) error {
	b, err := json.Marshal(dataMarker{Kind: dataMarkerKind, Version: dataMarkerVersion})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, DataMarkerFile), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	return nil
}
