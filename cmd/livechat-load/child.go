package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// child is a server process the tool started: the livechat server, a bare
// ceiling, or a raw insert loop.
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Reader
	base  string // http://127.0.0.1:port/
	pid   int

	stopOnce sync.Once
	stopErr  error
	stderr   *tailBuffer
}

// startChild starts `serve args...` as a child process, pinned to
// -server-cpu when taskset is there, and waits for the address it prints.
// A raw insert child prints no address: then base is empty and the first
// line is left to read.
func startChild(ctx context.Context, o *options, wantAddr bool, args ...string) (*child, error) {
	exe := o.exe
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("find own executable: %w", err)
		}
	}
	argv := append([]string{exe, "serve"}, args...)
	env := append(os.Environ(), childEnv+"=1")
	if o.serverCPU != "" && tasksetAvailable() {
		argv = append([]string{"taskset", "-c", o.serverCPU}, argv...)
		env = append(env, fmt.Sprintf("GOMAXPROCS=%d", cpuCount(o.serverCPU)))
	}
	if o.nice != 0 {
		// nice and taskset exec the next command: the child keeps the pid.
		argv = append([]string{"nice", "-n", strconv.Itoa(o.nice)}, argv...)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = env
	cmd.WaitDelay = 5 * time.Second
	c := &child{cmd: cmd, stderr: &tailBuffer{max: 8 << 10, echo: o.log}}
	cmd.Stderr = c.stderr
	var err error
	if c.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	c.out = bufio.NewReader(stdout)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start server child: %w", err)
	}
	c.pid = cmd.Process.Pid
	if !wantAddr {
		return c, nil
	}
	line, err := c.readLine(30 * time.Second)
	if err != nil {
		c.stop()
		return nil, fmt.Errorf("server child did not start: %w (%s)", err, c.stderr.String())
	}
	addr, ok := strings.CutPrefix(line, "listening ")
	if !ok {
		c.stop()
		return nil, fmt.Errorf("server child said %q (%s)", line, c.stderr.String())
	}
	c.base = addr
	return c, nil
}

// readLine reads one line of the child's stdout within d.
func (c *child) readLine(d time.Duration) (string, error) {
	type result struct {
		s   string
		err error
	}
	ch := make(chan result, 1)
	go func() {
		s, err := c.out.ReadString('\n')
		ch <- result{strings.TrimSpace(s), err}
	}()
	select {
	case r := <-ch:
		if r.err != nil && r.s == "" {
			return "", r.err
		}
		return r.s, nil
	case <-time.After(d):
		c.cmd.Process.Kill()
		<-ch
		return "", errors.New("timed out")
	}
}

// stop asks the child to finish (it exits when its stdin closes, writing
// its CPU profile), and kills it when it has not within five seconds.
func (c *child) stop() error {
	c.stopOnce.Do(func() {
		c.stdin.Close()
		done := make(chan error, 1)
		go func() { done <- c.cmd.Wait() }()
		select {
		case err := <-done:
			c.stopErr = err
		case <-time.After(5 * time.Second):
			c.cmd.Process.Kill()
			c.stopErr = <-done
		}
	})
	return c.stopErr
}

// cpu is the child's user and system CPU time so far, from /proc.
func (c *child) cpu() (time.Duration, error) { return procCPU(c.pid) }

// stats asks the child's control endpoint for its runtime figures, after
// a garbage collection when gc is set.
func (c *child) stats(ctx context.Context, gc bool) (*serverStats, error) {
	u := c.base + "_load/stats"
	if gc {
		u += "?gc=1"
	}
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var s serverStats
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		return nil, fmt.Errorf("stats: %w", err)
	}
	return &s, nil
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's times: 100 on
// every Linux architecture Go supports.
const clockTicks = 100

// procCPU reads utime+stime of a process from /proc/<pid>/stat.
func procCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; fields count from after it.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, errors.New("malformed /proc stat")
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, errors.New("malformed /proc stat")
	}
	// f[0] is field 3 (state); utime is field 14, stime 15.
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("malformed /proc stat")
	}
	return time.Duration(ut+st) * time.Second / clockTicks, nil
}

// procRunWait is the time the threads of a process have spent runnable
// but waiting for a CPU (the second field of each thread's
// /proc/<pid>/task/<tid>/schedstat): what other work on the machine took
// from it.
func procRunWait(pid int) (time.Duration, error) {
	dir := fmt.Sprintf("/proc/%d/task", pid)
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, t := range tasks {
		data, err := os.ReadFile(dir + "/" + t.Name() + "/schedstat")
		if err != nil {
			continue // the thread ended
		}
		f := strings.Fields(string(data))
		if len(f) < 2 {
			continue
		}
		n, _ := strconv.ParseInt(f[1], 10, 64)
		total += n
	}
	return time.Duration(total), nil
}

func tasksetAvailable() bool {
	_, err := exec.LookPath("taskset")
	return err == nil
}

// pinSelf pins every thread of this process to cpus with taskset; threads
// started later inherit the mask.
func pinSelf(cpus string) error {
	if !tasksetAvailable() {
		return errors.New("taskset is not on PATH: the load generator runs unpinned")
	}
	out, err := exec.Command("taskset", "-a", "-p", "-c", cpus, strconv.Itoa(os.Getpid())).CombinedOutput()
	if err != nil {
		return fmt.Errorf("taskset: %v: %s", err, out)
	}
	return nil
}

// niceSelf sets the nice value of every thread of this process; threads
// started later inherit it.
func niceSelf(n int) error {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return err
	}
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		if err := syscall.Setpriority(syscall.PRIO_PROCESS, tid, n); err != nil {
			return fmt.Errorf("setpriority: %w", err)
		}
	}
	return nil
}

// cpuCount counts the CPUs of a taskset list such as "0", "0-3" or "0,2".
func cpuCount(list string) int {
	n := 0
	for _, part := range strings.Split(list, ",") {
		lo, hi, ok := strings.Cut(strings.TrimSpace(part), "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			continue
		}
		b := a
		if ok {
			if b, err = strconv.Atoi(hi); err != nil {
				continue
			}
		}
		if b >= a {
			n += b - a + 1
		}
	}
	return max(n, 1)
}

// raiseFileLimit lifts the soft limit on open files to the hard one: every
// connection is a file on both sides.
func raiseFileLimit() {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err == nil && rl.Cur < rl.Max {
		rl.Cur = rl.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl)
	}
}

// fileLimit is the soft limit on open files.
func fileLimit() uint64 {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0
	}
	return rl.Cur
}

// tailBuffer keeps the last bytes a child wrote to stderr, for errors, and
// passes them on.
type tailBuffer struct {
	mu   sync.Mutex
	buf  []byte
	max  int
	echo io.Writer
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.echo != nil {
		b.echo.Write(p)
	}
	b.buf = append(b.buf, p...)
	if len(b.buf) > b.max {
		b.buf = b.buf[len(b.buf)-b.max:]
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.TrimSpace(string(b.buf))
}
