package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/filibuster-go/filibuster-gen/runtime/coordinator"
	"github.com/filibuster-go/filibuster-gen/runtime/deploy"
)

// WorkOptions says how a worker runs.
type WorkOptions struct {
	// Coordinator is the coordinator's base URL (http://host:port), as the worker and
	// the services it starts reach it.
	Coordinator string
	// Log receives a line per execution; nil discards them.
	Log io.Writer
	// Echo, when not nil, receives the services' output.
	Echo io.Writer
}

// Work runs executions of an exploration for a coordinator explored with workers
// (ExploreOptions.Workers, coordinator.Options.Workers): it registers, starts a copy of
// the built application on free ports of this machine with FILIBUSTER_URL set to its
// lane, and runs the functional test once per execution it leases, reporting each
// result, until the coordinator says the exploration is over. It stops the services
// before it returns the number of executions it ran.
func Work(ctx context.Context, b *deploy.Built, opts WorkOptions) (int, error) {
	log := opts.Log
	if log == nil {
		log = io.Discard
	}
	base := strings.TrimSuffix(opts.Coordinator, "/")
	client := &http.Client{Timeout: coordinator.LeaseWait + 30*time.Second}
	var reg struct {
		Lane  *int   `json:"lane"`
		Error string `json:"error"`
	}
	if err := post(ctx, client, base+"/filibuster/workers", struct{}{}, &reg); err != nil {
		return 0, fmt.Errorf("registering with the coordinator: %w", err)
	}
	if reg.Lane == nil {
		return 0, fmt.Errorf("registering with the coordinator at %s: %s", base, reg.Error)
	}
	laneURL := coordinator.LaneURL(base, *reg.Lane)
	fmt.Fprintf(log, "worker: lane %d of %s\n", *reg.Lane, base)
	dep, err := b.Start(ctx, deploy.StartOptions{FilibusterURL: laneURL, Echo: opts.Echo, Copy: *reg.Lane})
	if err != nil {
		// Say so, so that the exploration fails with why instead of waiting for the lane.
		var answer struct{}
		post(ctx, client, laneURL+"/filibuster/leave", map[string]string{"error": err.Error()}, &answer)
		return 0, err
	}
	defer dep.Stop()
	ran := 0
	for {
		var lease struct {
			Done      bool `json:"done"`
			Execution *struct {
				Number int                 `json:"number"`
				Faults []coordinator.Fault `json:"faults"`
			} `json:"execution"`
		}
		if err := get(ctx, client, laneURL+"/filibuster/lease", &lease); err != nil {
			return ran, fmt.Errorf("leasing an execution: %w", err)
		}
		if lease.Done {
			return ran, nil
		}
		if lease.Execution == nil {
			continue // nothing yet
		}
		var out bytes.Buffer
		passed, err := dep.RunTest(ctx, laneURL, &out)
		res := map[string]any{"passed": passed, "output": out.String()}
		if err != nil {
			res["error"] = err.Error()
		}
		ran++
		verdict := "passed"
		if !passed {
			verdict = "failed"
		}
		fmt.Fprintf(log, "worker: lane %d: an execution with %d faults %s\n", *reg.Lane, len(lease.Execution.Faults), verdict)
		var answer struct {
			Error string `json:"error"`
		}
		if err := post(ctx, client, laneURL+"/filibuster/result", res, &answer); err != nil {
			// The coordinator no longer wanted it (its exploration stopped first):
			// lease again, and be told so.
			fmt.Fprintf(log, "worker: lane %d: result refused: %v\n", *reg.Lane, err)
		}
	}
}

// post sends in as JSON to url and decodes the JSON answer into out, whatever its
// status (the coordinator's errors are JSON objects with an "error" field) when it is
// JSON; other answers are errors.
func post(ctx context.Context, client *http.Client, url string, in, out any) error {
	data, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(data))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	return do(client, req, out)
}

func get(ctx context.Context, client *http.Client, url string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	return do(client, req, out)
}

func do(client *http.Client, req *http.Request, out any) error {
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: %s: %.200q", req.Method, req.URL, resp.Status, data)
	}
	if resp.StatusCode == http.StatusBadRequest {
		return fmt.Errorf("%s %s: %s: %.200s", req.Method, req.URL, resp.Status, data)
	}
	return nil
}
