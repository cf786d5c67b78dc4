package deploy

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ConfigFile is the name of an application's configuration file, in the application's
// directory.
const ConfigFile = "filibuster.json"

// Config describes an application: its services, its entry service and its functional
// test. It is read from the application directory's filibuster.json; docs/run.md
// documents the format.
type Config struct {
	// Name names the application in output; default: the directory's name.
	Name string `json:"name,omitempty"`
	// Description says what the application is, for people.
	Description string `json:"description,omitempty"`
	// Services lists the application's services. Each is started once per run.
	Services []Service `json:"services"`
	// Entry names the service the functional test calls.
	Entry string `json:"entry"`
	// FunctionalTest is the package of the functional test, a main package relative
	// to the application directory. It is built uninstrumented and run once per test
	// execution; exit status 0 means the execution passed.
	FunctionalTest string `json:"functional_test"`
	// AnalysisFile, when set, names a fixed analysis file (relative to the
	// application directory) used instead of the static analysis of the services.
	AnalysisFile string `json:"analysis_file,omitempty"`
	// AnalysisInclude names analysis files (relative to the application directory)
	// merged into the static analysis's file, as filibuster-gen analysis --include
	// merges them (faultmodel.File.Merge): the rules of the services the analysis
	// cannot read, such as the reference's rules for services run by a Command.
	AnalysisInclude []string `json:"analysis_include,omitempty"`
	// Expected is the number of test executions the exploration must give: the paper's
	// for its applications (the corpus table), ours for the others (examples/shop).
	Expected *Expected `json:"expected,omitempty"`
	// ExpectFailure says that exploring the application must find a failing
	// execution (a deliberately broken variant).
	ExpectFailure bool `json:"expect_failure,omitempty"`
}

// Service is one service of an application.
type Service struct {
	// Name is the service's name: the name it reports to the coordinator and the
	// name of its address variable (see URLVar).
	Name string `json:"name"`
	// Package is the service's main package, relative to the application directory.
	Package string `json:"package,omitempty"`
	// Command, instead of Package, is a program and its first arguments that run the
	// service, in the application directory (a service written in another language).
	// It is neither built, instrumented nor analysed by filibuster-gen: it
	// instruments itself, and its statuses come from AnalysisInclude's files.
	Command []string `json:"command,omitempty"`
	// Instrumented says whether the service is instrumented; default true. An
	// instrumented Go service is instrumented by the generator; an instrumented
	// command gets FILIBUSTER_URL and FILIBUSTER_SERVICE_NAME as Go services do. An
	// uninstrumented service is a plain process the coordinator never hears of.
	Instrumented *bool `json:"instrumented,omitempty"`
	// Args are extra command-line arguments, after -addr.
	Args []string `json:"args,omitempty"`
	// Env holds extra environment variables.
	Env map[string]string `json:"env,omitempty"`
	// HealthCheck says how to know the service is up before the exploration starts:
	// a path (starting with '/') polled with GET over HTTP/1 until it answers 200,
	// or TCPHealthCheck ("tcp:"), for a service that is up once its address accepts
	// TCP connections, such as a plain gRPC server, which cannot answer HTTP/1.
	// Default /health-check.
	HealthCheck string `json:"health_check,omitempty"`
}

// TCPHealthCheck is the HealthCheck of a service that is up once its address accepts
// a TCP connection: the runner connects and closes the connection at once, sending
// nothing.
const TCPHealthCheck = "tcp:"

// Expected holds the paper's numbers of test executions, the fault-free one included.
type Expected struct {
	WithoutReduction int `json:"without_reduction"`
	WithReduction    int `json:"with_reduction"`
}

// IsInstrumented reports whether the service is to be instrumented.
func (s Service) IsInstrumented() bool {
	return s.Instrumented == nil || *s.Instrumented
}

// healthPath returns the path polled to know the service is up, appended to its base
// URL: "" for TCPHealthCheck, so that the URL waitHealthy gets has no path and it
// connects to the address instead.
func (s Service) healthPath() string {
	switch s.HealthCheck {
	case "":
		return "/health-check"
	case TCPHealthCheck:
		return ""
	}
	return s.HealthCheck
}

// URLVar returns the name of the environment variable that holds the base URL of the
// service named name: upper case, with '-' and '.' as '_', and a _URL suffix
// ("bookings-primary" gives BOOKINGS_PRIMARY_URL).
func URLVar(name string) string {
	r := strings.NewReplacer("-", "_", ".", "_")
	return strings.ToUpper(r.Replace(name)) + "_URL"
}

// LoadConfig reads and checks dir's filibuster.json.
func LoadConfig(dir string) (*Config, error) {
	path := filepath.Join(dir, ConfigFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading application config: %w", err)
	}
	var cfg Config
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", path, err)
	}
	if cfg.Name == "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, fmt.Errorf("resolving %s: %w", dir, err)
		}
		cfg.Name = filepath.Base(abs)
	}
	if err := cfg.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &cfg, nil
}

// check reports the first inconsistency in cfg.
func (cfg *Config) check() error {
	if len(cfg.Services) == 0 {
		return errors.New("no services")
	}
	seen := make(map[string]bool)
	binaries := map[string]bool{BinaryName(cfg.FunctionalTest): true}
	for i, s := range cfg.Services {
		switch {
		case s.Name == "":
			return fmt.Errorf("service %d has no name", i)
		case s.Package == "" && len(s.Command) == 0:
			return fmt.Errorf("service %q has no package and no command", s.Name)
		case s.Package != "" && len(s.Command) > 0:
			return fmt.Errorf("service %q has both a package and a command", s.Name)
		case seen[s.Name]:
			return fmt.Errorf("service %q listed twice", s.Name)
		case s.Package != "" && binaries[BinaryName(s.Package)]:
			return fmt.Errorf("service %q: two packages named %q", s.Name, BinaryName(s.Package))
		case s.HealthCheck != "" && s.HealthCheck != TCPHealthCheck && !strings.HasPrefix(s.HealthCheck, "/"):
			return fmt.Errorf("service %q: health_check %q is neither a path starting with / nor %q", s.Name, s.HealthCheck, TCPHealthCheck)
		}
		seen[s.Name] = true
		if s.Package != "" {
			binaries[BinaryName(s.Package)] = true
		}
	}
	if cfg.AnalysisFile != "" && len(cfg.AnalysisInclude) > 0 {
		return errors.New("analysis_file and analysis_include: a fixed analysis file is used as it is")
	}
	if !seen[cfg.Entry] {
		return fmt.Errorf("entry service %q is not among the services", cfg.Entry)
	}
	if cfg.FunctionalTest == "" {
		return errors.New("no functional_test package")
	}
	return nil
}

// BinaryName is the name go build gives the binary of the package at pkg.
func BinaryName(pkg string) string {
	return filepath.Base(filepath.FromSlash(pkg))
}
