package runtime

import (
	"encoding/json"
	"fmt"
	"os"
)

// counterexample is a failing test execution written by a coordinator, replayed without
// one: the calls whose execution index it lists fail as it says.
type counterexample struct {
	failures map[string]createAnswer // by execution index
	targets  map[string]string       // the service each failed call was to, by execution index
}

// readCounterexample reads a counterexample file: {"functional_test": ...,
// "TestExecution": "<JSON string with a failures list>"}.
func readCounterexample(path string) (*counterexample, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("counterexample: %w", err)
	}
	var file struct {
		TestExecution *string `json:"TestExecution"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		return nil, fmt.Errorf("counterexample %s: %w", path, err)
	}
	if file.TestExecution == nil {
		return nil, fmt.Errorf("counterexample %s: no TestExecution field", path)
	}
	var te struct {
		// ResponseLog is the execution's calls with what came of them; it names the
		// service each call was to (target_service_name), also for a call that the
		// fault kept from reaching it, as the reference server writes it.
		ResponseLog []struct {
			ExecutionIndex string `json:"execution_index"`
			Target         string `json:"target_service_name"`
		} `json:"response_log"`
		Failures []struct {
			ExecutionIndex  string        `json:"execution_index"`
			ForcedException *forcedFault  `json:"forced_exception"`
			FailureMetadata *failureFault `json:"failure_metadata"`
		} `json:"failures"`
	}
	if err := json.Unmarshal([]byte(*file.TestExecution), &te); err != nil {
		return nil, fmt.Errorf("counterexample %s: TestExecution: %w", path, err)
	}
	ce := &counterexample{failures: make(map[string]createAnswer), targets: make(map[string]string)}
	for _, e := range te.ResponseLog {
		if e.Target == "" {
			continue
		}
		if ei, err := parseEI(e.ExecutionIndex); err == nil {
			ce.targets[ei.String()] = e.Target
		}
	}
	for i, f := range te.Failures {
		if f.ExecutionIndex == "" || f.ForcedException == nil && f.FailureMetadata == nil {
			return nil, fmt.Errorf("counterexample %s: failures[%d]: needs execution_index and a fault", path, i)
		}
		ei, err := parseEI(f.ExecutionIndex)
		if err != nil {
			return nil, fmt.Errorf("counterexample %s: failures[%d]: %w", path, i, err)
		}
		ce.failures[ei.String()] = createAnswer{ForcedException: f.ForcedException, FailureMetadata: f.FailureMetadata}
	}
	return ce, nil
}

// answer is what a coordinator replaying the counterexample would answer for ei.
func (ce *counterexample) answer(ei executionIndex) createAnswer {
	a := ce.failures[ei.String()]
	a.ExecutionIndex = ei.String()
	return a
}

// faultInjectedOn reports whether the counterexample injects a fault on a call to
// service, or any fault when service is empty.
func (ce *counterexample) faultInjectedOn(service string) bool {
	for ei := range ce.failures {
		if service == "" || ce.targets[ei] == service {
			return true
		}
	}
	return false
}
