package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/chaos-harness/chaos/analysis"
	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/scenarios"
)

// engineClient is the engine name of a check with --client.
const engineClient = "client"

// clientLogLimit is how many Records a --client check keeps in memory.
const clientLogLimit = 1 << 22

// checkWithClient serves the scenario's script on loopback, runs the client
// command against it and analyses the arrival log. How the client failed,
// if it did, goes into c.clientFailure; what had to be inferred into c.notes.
func checkWithClient(ctx context.Context, s streams, sc *scenarios.Scenario, f *checkFlags, seed uint64, c *scenarioCheck) (analysis.Result, error) {
	script, err := faultserver.Compile(&sc.Server, seed)
	if err != nil {
		return analysis.Result{}, err
	}
	fs, err := faultserver.NewScripted(script, faultserver.Options{LogLimit: clientLogLimit, Admin: faultserver.AdminOptions{Off: true}})
	if err != nil {
		return analysis.Result{}, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = fs.Close()
		return analysis.Result{}, fmt.Errorf("listen on 127.0.0.1: %w", err)
	}
	srv := faultserver.Limits{}.HTTPServer(fs.Handler()) // the fault server's own connection limits
	srv.ConnContext = fs.ConnContext                     // Records say which connection they came on
	go func() { _ = srv.Serve(ln) }()
	url := "http://" + ln.Addr().String()

	c.notes = append(c.notes, unpassedSettings(sc)...)
	c.clientFailure = runClientCommand(ctx, s, f, clientEnv(sc, url, seed))
	// Release what the server still holds, log it, then stop listening.
	closeErr := fs.Close()
	_ = srv.Close()
	if closeErr != nil {
		return analysis.Result{}, closeErr
	}
	records := fs.Records()
	if dropped := fs.Stats().Requests - int64(len(records)); dropped > 0 {
		c.notes = append(c.notes, fmt.Sprintf("%d early records were dropped from memory; the analysis covers the last %d", dropped, len(records)))
	}
	if len(records) == 0 {
		return analysis.Result{}, errors.New("the client sent no request to " + url)
	}
	res, err := analyseClientRecords(sc, f, seed, records)
	// Say what the analysis inferred about the client's identity.
	for _, n := range res.Notes {
		if analysis.IdentityNote(n) {
			c.notes = append(c.notes, n)
		}
	}
	return res, err
}

// clientEnv is the client's environment: ours, and the scenario's fleet.
func clientEnv(sc *scenarios.Scenario, url string, seed uint64) []string {
	cl := sc.Clients
	env := append(os.Environ(),
		"CHAOS_URL="+url,
		"CHAOS_CLIENTS="+strconv.Itoa(cl.ClientCount()),
		"CHAOS_REQUESTS="+strconv.Itoa(cl.RequestsPerClient()),
		"CHAOS_PATH="+cl.RequestPath(),
		"CHAOS_METHOD="+cl.HTTPMethod(),
		"CHAOS_THINK_MS="+strconv.FormatInt(cl.ThinkTime().Milliseconds(), 10),
		"CHAOS_SEED="+strconv.FormatUint(seed, 10),
	)
	if t := cl.AttemptTimeout(); t > 0 {
		env = append(env, "CHAOS_TIMEOUT_MS="+strconv.FormatInt(t.Milliseconds(), 10))
	}
	return env
}

// unpassedSettings names the fleet settings of the scenario that no
// environment variable carries, so the reader knows the client did not
// follow them.
func unpassedSettings(sc *scenarios.Scenario) []string {
	cl := sc.Clients
	var out []string
	if cl.Scale() != 1 {
		out = append(out, fmt.Sprintf("clients.time_scale %g is for the live engine: with --client the server runs in real time", cl.Scale()))
	}
	var own []string
	if cl.Start.Kind != scenarios.StartTogether {
		own = append(own, "start")
	}
	if cl.Spike != nil {
		own = append(own, "spike")
	}
	if len(cl.Headers) > 0 {
		own = append(own, "headers")
	}
	if cl.Body != "" {
		own = append(own, "body")
	}
	if len(own) > 0 {
		out = append(out, "no variable passes clients."+strings.Join(own, ", clients.")+" to the client: it follows its own")
	}
	return out
}

// runClientCommand runs the command through sh -c within the time limit and
// returns how it failed, or "" when it exited 0. Its output goes to ours.
func runClientCommand(ctx context.Context, s streams, f *checkFlags, env []string) string {
	ctx, cancel := context.WithTimeout(ctx, f.clientTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", f.client)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = s.out, s.err
	inOwnProcessGroup(cmd)
	// Output pipes held open by a leftover grandchild must not hang us.
	cmd.WaitDelay = 2 * time.Second
	err := cmd.Run()
	switch {
	case err == nil:
		return ""
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Sprintf("did not finish within --client-timeout %s and was stopped", f.clientTimeout)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.Exited() {
		return fmt.Sprintf("exited with status %d", ee.ExitCode())
	}
	return fmt.Sprintf("failed: %v", err)
}

// analyseClientRecords analyses the client's arrival log as one policy,
// "client", as `chaos analyze` would: with the identity inference for a
// client that sends no X-Chaos-* headers.
func analyseClientRecords(sc *scenarios.Scenario, f *checkFlags, seed uint64, records []record.Record) (analysis.Result, error) {
	return analysis.AnalyzeRecords(analysis.Options{
		Scenario:      sc.Name,
		Engine:        engineClient,
		Seed:          &seed,
		Command:       checkCommand(sc, f, seed),
		DefaultPolicy: engineClient,
		RetryWindow:   f.retry.d,
		Capacity:      sc.AnalysisCapacity(),
	}, records)
}
