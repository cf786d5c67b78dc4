package deploy

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// stopGrace is how long a stopped service gets to exit after SIGTERM before SIGKILL.
const stopGrace = 2 * time.Second

// healthTimeout bounds the wait for one service's health check.
const healthTimeout = 30 * time.Second

// Built is an application whose services (and functional test) are built: what Start
// needs to run it. `filibuster-gen prepare` writes one as JSON (WriteBuilt, ReadBuilt).
type Built struct {
	Config *Config `json:"config"`
	// Dir is the application directory, absolute: services run by a command start
	// there.
	Dir string `json:"dir"`
	// BinDir holds the binaries, one per package, named as go build names them.
	BinDir string `json:"bin_dir"`
	// LogDir receives each service's output, as <name>.log.
	LogDir string `json:"log_dir"`
	// AnalysisFile is the analysis file to explore with, absolute; "" when the services
	// were built uninstrumented.
	AnalysisFile string `json:"analysis_file,omitempty"`
	// SitesFile, when set, is the generator's manifest of the services' call sites and
	// handlers, each with its service (a JSON list of report.Site), absolute.
	SitesFile string `json:"sites_file,omitempty"`
}

// Binary returns the path of the binary built from pkg (relative to the application
// directory).
func (b *Built) Binary(pkg string) string {
	return filepath.Join(b.BinDir, BinaryName(pkg))
}

// Deployment is a running instance of an application: one process per service.
type Deployment struct {
	built *Built
	procs []*process
	// URLs maps each service's name to its base URL (http://127.0.0.1:port).
	URLs map[string]string
	// env is what the services and the functional test see: the caller's environment
	// without FILIBUSTER_* variables, plus each service's URL variable and, when
	// exploring, FILIBUSTER_URL.
	env []string
}

// StartOptions says how to start an application.
type StartOptions struct {
	// FilibusterURL is the coordinator's base URL, given to the instrumented services
	// and the functional test as FILIBUSTER_URL; empty leaves them inert.
	FilibusterURL string
	// Echo, when not nil, receives the services' output, each line prefixed with the
	// service's name. The output is always kept in the work directory's logs.
	Echo io.Writer
	// StrictPorts fails instead of moving to other ports when one of the
	// application's usual ports is taken (for replaying a counterexample).
	StrictPorts bool
	// Copy numbers a copy of the application that runs alongside others (a parallel
	// exploration starts one per lane, one after the other, each on the next free
	// block of ports). Copy n > 0 writes its services' output to <name>.<n>.log.
	Copy int
}

// Start starts every service of the application on free ports of 127.0.0.1 (the same
// ones every time when they are free, see appPorts) and waits
// until each answers its health check. Each service is started as
//
//	<binary> -addr 127.0.0.1:<port> <args...>
//
// or, for a service run by a command, in the application directory, as
//
//	<command...> -addr 127.0.0.1:<port> <args...>
//
// with <NAME>_URL=http://127.0.0.1:<port> set for every service of the application (see
// URLVar) and, for the instrumented services of an exploration, FILIBUSTER_URL,
// FILIBUSTER_SERVICE_NAME and FILIBUSTER_TARGETS (each service's name and address, which
// the runtime keys calls by). On error, the services already started are stopped.
//
// Starts on one machine are one at a time (a lock file in the temporary directory),
// from choosing the ports until every service answers, so that copies started at once,
// by parallel workers for example, get ports of their own.
func (b *Built) Start(ctx context.Context, opts StartOptions) (_ *Deployment, err error) {
	unlock := lockPorts()
	defer unlock()
	ports, err := appPorts(b.Config.Name, len(b.Config.Services), opts.StrictPorts)
	if err != nil {
		return nil, err
	}
	d := &Deployment{built: b, URLs: make(map[string]string)}
	for i, s := range b.Config.Services {
		d.URLs[s.Name] = "http://127.0.0.1:" + strconv.Itoa(ports[i])
	}
	d.env = baseEnv()
	targets := make([]string, len(b.Config.Services))
	for i, s := range b.Config.Services {
		d.env = append(d.env, URLVar(s.Name)+"="+d.URLs[s.Name])
		targets[i] = s.Name + "=127.0.0.1:" + strconv.Itoa(ports[i])
	}

	defer func() {
		if err != nil {
			d.Stop()
		}
	}()
	for i, s := range b.Config.Services {
		env := append([]string(nil), d.env...)
		if s.IsInstrumented() && opts.FilibusterURL != "" {
			// FILIBUSTER_TARGETS keys each call by the name of the service it goes to,
			// not its port, so an execution replays on other ports too.
			env = append(env, "FILIBUSTER_URL="+opts.FilibusterURL, "FILIBUSTER_SERVICE_NAME="+s.Name,
				"FILIBUSTER_TARGETS="+strings.Join(targets, ","))
		}
		for k, v := range s.Env {
			env = append(env, k+"="+v)
		}
		args := append([]string{"-addr", "127.0.0.1:" + strconv.Itoa(ports[i])}, s.Args...)
		prog, dir := b.Binary(s.Package), ""
		if len(s.Command) > 0 {
			prog, dir = s.Command[0], b.Dir
			args = append(append([]string(nil), s.Command[1:]...), args...)
		}
		logName := s.Name + ".log"
		if opts.Copy > 0 {
			logName = s.Name + "." + strconv.Itoa(opts.Copy) + ".log"
		}
		logPath := filepath.Join(b.LogDir, logName)
		p, err := startProcess(s.Name, prog, dir, args, env, logPath, opts.Echo)
		if err != nil {
			return nil, err
		}
		d.procs = append(d.procs, p)
	}
	for i, s := range b.Config.Services {
		if err := waitHealthy(ctx, d.procs[i], d.URLs[s.Name]+s.healthPath(), healthTimeout); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// TestEnv returns the environment of the functional test: the services' URL variables
// and, when filibusterURL is not empty, FILIBUSTER_URL.
func (d *Deployment) TestEnv(filibusterURL string) []string {
	env := append([]string(nil), d.env...)
	if filibusterURL != "" {
		env = append(env, "FILIBUSTER_URL="+filibusterURL)
	}
	return env
}

// FunctionalTest returns the path of the functional test's binary.
func (d *Deployment) FunctionalTest() string {
	return d.built.Binary(d.built.Config.FunctionalTest)
}

// RunTest runs the functional test once and reports whether it passed; its output goes
// to out.
func (d *Deployment) RunTest(ctx context.Context, filibusterURL string, out io.Writer) (bool, error) {
	cmd := exec.CommandContext(ctx, d.FunctionalTest())
	cmd.Env = d.TestEnv(filibusterURL)
	cmd.Stdout = out
	cmd.Stderr = out
	err := cmd.Run()
	if err == nil {
		return true, nil
	}
	if _, ok := err.(*exec.ExitError); ok && ctx.Err() == nil {
		return false, nil
	}
	return false, fmt.Errorf("running the functional test: %w", err)
}

// Stop stops every service (SIGTERM to its process group, SIGKILL after a grace
// period) and waits for them to exit.
func (d *Deployment) Stop() {
	done := make(chan struct{})
	for _, p := range d.procs {
		go func() {
			p.stop(stopGrace)
			done <- struct{}{}
		}()
	}
	for range d.procs {
		<-done
	}
	d.procs = nil
}

// baseEnv is the caller's environment without the FILIBUSTER_* variables, which the
// runner sets itself.
func baseEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "FILIBUSTER_") {
			env = append(env, kv)
		}
	}
	return env
}
