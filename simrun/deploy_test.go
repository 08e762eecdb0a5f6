package simrun

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/faultline-sim/faultline/scenarios"
	"github.com/faultline-sim/faultline/sweep"
	"go.yaml.in/yaml/v3"
)

// TestDeployJobRunsAValidSweep: the example Indexed Job in deploy/ runs
// shards that simrun accepts — its flags parse, its scenario exists, its
// shard count matches the Job's completions.
func TestDeployJobRunsAValidSweep(t *testing.T) {
	c, shards := indexedJob(t, "../deploy/sweep-job.yaml")
	args := append(c.Args, "-shard", "3/"+shards, "-out", "/results/shard-3.jsonl")
	fl, err := parseSweepFlags(args, io.Discard)
	if err != nil {
		t.Fatalf("the Job's args do not parse: %v", err)
	}
	s, err := scenarios.Load(fl.scenario)
	if err != nil {
		t.Fatal(err)
	}
	if fl.swarm {
		if err := sweep.CheckSwarm(s); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDeployJobRunsAValidSearch: the same for the search Job, whose
// container runs deploy/search-shard.sh.
func TestDeployJobRunsAValidSearch(t *testing.T) {
	c, shards := indexedJob(t, "../deploy/search-job.yaml")
	if len(c.Command) != 1 || c.Command[0] != "/usr/local/bin/search-shard" {
		t.Fatalf("the search Job runs %v, want the search-shard entrypoint", c.Command)
	}
	args := append(c.Args, "-shard", "3/"+shards, "-out", "/results/search-shard-3")
	fl, err := parseSearchFlags(args, io.Discard)
	if err != nil {
		t.Fatalf("the Job's args do not parse: %v", err)
	}
	if _, err := scenarios.Load(fl.scenario); err != nil {
		t.Fatal(err)
	}
}

type jobContainer struct {
	Command []string `yaml:"command"`
	Args    []string `yaml:"args"`
	Env     []struct{ Name, Value string }
}

// indexedJob reads the Indexed Job of a deploy file: its one container
// and the SHARDS its pods get, which must equal its completions.
func indexedJob(t *testing.T, path string) (jobContainer, string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type container = jobContainer
	var job struct {
		Kind string
		Spec struct {
			CompletionMode string `yaml:"completionMode"`
			Completions    int
			Template       struct {
				Spec struct{ Containers []container }
			}
		}
	}
	dec := yaml.NewDecoder(f)
	for {
		var doc map[string]any
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if doc["kind"] == "Job" {
			b, _ := yaml.Marshal(doc)
			if err := yaml.Unmarshal(b, &job); err != nil {
				t.Fatal(err)
			}
		}
	}
	if job.Kind != "Job" || job.Spec.CompletionMode != "Indexed" || len(job.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("%s has no Indexed Job with one container: %+v", path, job)
	}
	c := job.Spec.Template.Spec.Containers[0]
	shards := ""
	for _, e := range c.Env {
		if e.Name == "SHARDS" {
			shards = e.Value
		}
	}
	if shards != strconv.Itoa(job.Spec.Completions) {
		t.Fatalf("SHARDS=%q but completions: %d", shards, job.Spec.Completions)
	}
	return c, shards
}

// TestSweepShardScriptMapsExitCodes: the Job's entrypoint adds the shard
// and output flags, turns "failures found" (1) into success so the Job
// does not retry a finished shard, and keeps bad input (2) as 2.
func TestSweepShardScriptMapsExitCodes(t *testing.T) {
	shardScript(t, "../deploy/sweep-shard.sh", "sweep -scenario rabia-basic -seeds 1-100 -shard 2/4 -out /r/shard-2.jsonl\n")
}

// TestSearchShardScriptMapsExitCodes: the same for the search Job's
// entrypoint, whose -out is the shard's directory.
func TestSearchShardScriptMapsExitCodes(t *testing.T) {
	shardScript(t, "../deploy/search-shard.sh", "search -scenario rabia-basic -seeds 1-100 -shard 2/4 -out /r/search-shard-2\n")
}

func shardScript(t *testing.T, path, want string) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	script, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ simrunExit, want int }{{0, 0}, {1, 0}, {2, 2}, {3, 3}} {
		dir := t.TempDir()
		stub := "#!/bin/sh\necho \"$@\" > " + dir + "/args\nexit " + strconv.Itoa(tt.simrunExit) + "\n"
		if err := os.WriteFile(filepath.Join(dir, "simrun"), []byte(stub), 0o755); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("sh", script, "-scenario", "rabia-basic", "-seeds", "1-100")
		cmd.Env = []string{"PATH=" + dir + ":/usr/bin:/bin", "JOB_COMPLETION_INDEX=2", "SHARDS=4", "RESULTS=/r"}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		code := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tt.want {
			t.Errorf("simrun exit %d: script exit %d, want %d (%s)", tt.simrunExit, code, tt.want, stderr.String())
		}
		got, _ := os.ReadFile(filepath.Join(dir, "args"))
		if string(got) != want {
			t.Errorf("simrun ran with %q, want %q", got, want)
		}
	}
}
