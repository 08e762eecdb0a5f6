package simrun

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/faultline-sim/faultline/live"
)

// secretFlags are the ways to give a command the cluster secret: -secret,
// -secret-file, or the FAULTLINE_SECRET environment variable.
type secretFlags struct {
	value, file string
}

func addSecretFlags(fs *flag.FlagSet, what string) *secretFlags {
	s := &secretFlags{}
	fs.StringVar(&s.value, "secret", "", "the cluster secret "+what+" (visible in ps: prefer -secret-file or $"+live.SecretEnv+")")
	fs.StringVar(&s.file, "secret-file", "", "read the cluster secret from this file")
	return s
}

// resolve is the secret given by a flag, else the environment; "" if
// none was given.
func (s *secretFlags) resolve() (string, error) {
	switch {
	case s.value != "" && s.file != "":
		return "", errors.New("-secret and -secret-file: give one")
	case s.value != "":
		if err := live.CheckSecret(s.value); err != nil {
			return "", fmt.Errorf("-secret: %v", err)
		}
		return s.value, nil
	case s.file != "":
		v, err := live.ReadSecretFile(s.file)
		if err != nil {
			return "", fmt.Errorf("-secret-file: %v", err)
		}
		return v, nil
	}
	v := os.Getenv(live.SecretEnv)
	if v == "" {
		return "", nil
	}
	if err := live.CheckSecret(v); err != nil {
		return "", fmt.Errorf("$%s: %v", live.SecretEnv, err)
	}
	return v, nil
}
