package main

import (
	"encoding/json"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// manifest is the part of a Kubernetes object that docs/k8s/filibuster.json relies on.
type manifest struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		// Service
		Selector map[string]string `json:"selector"`
		Ports    []struct {
			Port       int `json:"port"`
			TargetPort int `json:"targetPort"`
		} `json:"ports"`
		// Job
		CompletionMode string `json:"completionMode"`
		Completions    *int   `json:"completions"`
		Parallelism    *int   `json:"parallelism"`
		Template       struct {
			Metadata struct {
				Labels map[string]string `json:"labels"`
			} `json:"metadata"`
			Spec struct {
				RestartPolicy string `json:"restartPolicy"`
				Containers    []struct {
					Image string   `json:"image"`
					Args  []string `json:"args"`
					Ports []struct {
						ContainerPort int `json:"containerPort"`
					} `json:"ports"`
				} `json:"containers"`
			} `json:"spec"`
		} `json:"template"`
	} `json:"spec"`
}

// TestKubernetesManifests is a dry run of docs/k8s/filibuster.json, the layout
// docs/scale.md describes (no cluster is needed): a Service in front of the
// coordinator's Job, and the workers as an Indexed Job with one worker per lane. It
// checks that the objects fit together (the Service selects the coordinator's pod and
// forwards the port it listens on, the workers reach the coordinator through the
// Service, there are as many workers as lanes, one image) and that each container's
// arguments are flags and arguments our commands accept.
func TestKubernetesManifests(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "k8s", "filibuster.json"))
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Kind  string     `json:"kind"`
		Items []manifest `json:"items"`
	}
	if err := json.Unmarshal(data, &list); err != nil {
		t.Fatalf("docs/k8s/filibuster.json: %v", err)
	}
	objects := make(map[string]*manifest)
	for i := range list.Items {
		m := &list.Items[i]
		objects[m.Kind+"/"+m.Metadata.Name] = m
	}
	svc, coord, workers := objects["Service/filibuster-coordinator"], objects["Job/filibuster-coordinator"], objects["Job/filibuster-workers"]
	if list.Kind != "List" || svc == nil || coord == nil || workers == nil || len(list.Items) != 3 {
		t.Fatalf("want a List of Service/filibuster-coordinator, Job/filibuster-coordinator and Job/filibuster-workers; got %v", reflect.ValueOf(objects).MapKeys())
	}
	if svc.APIVersion != "v1" || coord.APIVersion != "batch/v1" || workers.APIVersion != "batch/v1" {
		t.Errorf("apiVersions %s, %s, %s; want v1, batch/v1, batch/v1", svc.APIVersion, coord.APIVersion, workers.APIVersion)
	}
	for _, job := range []*manifest{coord, workers} {
		if len(job.Spec.Template.Spec.Containers) != 1 || job.Spec.Template.Spec.RestartPolicy != "Never" {
			t.Fatalf("%s: want one container and restartPolicy Never", job.Metadata.Name)
		}
	}
	coordC, workerC := coord.Spec.Template.Spec.Containers[0], workers.Spec.Template.Spec.Containers[0]

	// The coordinator: run --workers K --addr host:port, a valid command line.
	run := newRunCmd()
	if err := run.ParseFlags(coordC.Args[1:]); err != nil || coordC.Args[0] != "run" {
		t.Fatalf("coordinator args %q: %v", coordC.Args, err)
	}
	if rest := run.Flags().Args(); len(rest) != 1 {
		t.Errorf("coordinator args %q: want one application directory, got %q", coordC.Args, rest)
	}
	lanes, err := run.Flags().GetInt("workers")
	if err != nil || lanes < 1 {
		t.Fatalf("coordinator: --workers %d (%v), want at least 1", lanes, err)
	}
	addr, _ := run.Flags().GetString("addr")
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host != "0.0.0.0" {
		t.Fatalf("coordinator: --addr %q, want 0.0.0.0:port so that the workers reach it (%v)", addr, err)
	}
	listen, _ := strconv.Atoi(port)
	if len(coordC.Ports) != 1 || coordC.Ports[0].ContainerPort != listen {
		t.Errorf("coordinator: containerPort %v, want %d (--addr)", coordC.Ports, listen)
	}

	// The Service selects the coordinator's pod, not the workers', and forwards its port.
	for k, v := range svc.Spec.Selector {
		if coord.Spec.Template.Metadata.Labels[k] != v {
			t.Errorf("Service selector %s=%s does not select the coordinator's pod (labels %v)", k, v, coord.Spec.Template.Metadata.Labels)
		}
	}
	if reflect.DeepEqual(svc.Spec.Selector, workers.Spec.Template.Metadata.Labels) || len(svc.Spec.Selector) == 0 {
		t.Errorf("Service selector %v would select the workers too", svc.Spec.Selector)
	}
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].TargetPort != listen {
		t.Fatalf("Service ports %v, want one whose targetPort is %d", svc.Spec.Ports, listen)
	}

	// The workers: an Indexed Job of one worker per lane, running in parallel, each
	// given the coordinator through the Service.
	if workers.Spec.CompletionMode != "Indexed" || workers.Spec.Completions == nil || workers.Spec.Parallelism == nil ||
		*workers.Spec.Completions != lanes || *workers.Spec.Parallelism != lanes {
		t.Errorf("workers: completionMode %q, completions %v, parallelism %v; want Indexed, %d, %d",
			workers.Spec.CompletionMode, workers.Spec.Completions, workers.Spec.Parallelism, lanes, lanes)
	}
	worker := newWorkerCmd()
	if err := worker.ParseFlags(workerC.Args[1:]); err != nil || workerC.Args[0] != "worker" {
		t.Fatalf("worker args %q: %v", workerC.Args, err)
	}
	if rest := worker.Flags().Args(); len(rest) != 1 || !strings.HasSuffix(rest[0], "/built.json") {
		t.Errorf("worker args %q: want the prepared application's built.json", workerC.Args)
	}
	raw, _ := worker.Flags().GetString("coordinator")
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.Hostname() != svc.Metadata.Name || u.Port() != strconv.Itoa(svc.Spec.Ports[0].Port) {
		t.Errorf("worker --coordinator %q, want http://%s:%d (the Service)", raw, svc.Metadata.Name, svc.Spec.Ports[0].Port)
	}
	if coordC.Image != workerC.Image {
		t.Errorf("images %s and %s: the coordinator and the workers run the same prepared application", coordC.Image, workerC.Image)
	}
}
