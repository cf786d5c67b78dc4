package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// coordinator is a filibuster-gen serve process started by the harness.
type coordinator struct {
	url    string
	cmd    *exec.Cmd
	output *bytes.Buffer
	done   chan error
}

// startCoordinator starts filibuster-gen serve on a free local port, with no analysis
// file and so no faults to inject, and waits until it accepts connections.
func (h *harness) startCoordinator(ctx context.Context) (*coordinator, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	c := &coordinator{url: "http://" + addr, output: new(bytes.Buffer), done: make(chan error, 1)}
	c.cmd = exec.CommandContext(ctx, h.gen, "serve", "--addr", addr)
	c.cmd.Dir = h.tmp
	c.cmd.Env = h.env()
	c.cmd.Stdout = c.output
	c.cmd.Stderr = c.output
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := c.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting filibuster-gen serve: %w", err)
	}
	go func() { c.done <- c.cmd.Wait() }()

	deadline := time.Now().Add(15 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
			return c, nil
		}
		select {
		case err := <-c.done:
			return nil, fmt.Errorf("filibuster-gen serve --addr %s exited: %v: %s", addr, err, strings.TrimSpace(c.output.String()))
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			c.kill()
			return nil, fmt.Errorf("filibuster-gen serve --addr %s: not accepting connections after 15s: %s", addr, strings.TrimSpace(c.output.String()))
		}
	}
}

// stop interrupts the coordinator and waits for it to exit, killing it after five
// seconds. A coordinator that had exited on its own before stop is an error.
func (c *coordinator) stop() error {
	select {
	case err := <-c.done:
		return fmt.Errorf("filibuster-gen serve exited during the tests: %v: %s", err, strings.TrimSpace(c.output.String()))
	default:
	}
	if err := c.cmd.Process.Signal(os.Interrupt); err != nil {
		c.kill()
		return nil
	}
	select {
	case <-c.done:
		return nil
	case <-time.After(5 * time.Second):
		c.kill()
		return fmt.Errorf("filibuster-gen serve did not exit within 5s of an interrupt; killed")
	}
}

// kill kills the coordinator's process group and waits for it.
func (c *coordinator) kill() {
	syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
	<-c.done
}

// freeAddr returns a local address with a port nothing listens on right now.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}
