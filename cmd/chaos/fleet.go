package main

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/internal/logfile"
	"github.com/chaos-harness/chaos/record"
	"github.com/chaos-harness/chaos/scenarios"
)

// runFleetHelp is what run's --help says of --server and --clients.
const runFleetHelp = `

A live fleet across hosts: 'chaos serve --scenario S --fleet-shards N --log
server.jsonl' on one host, and on each of N hosts (or processes) 'chaos run S
--engine live --server URL --clients I/N --out DIR' (0-based I, as --shard).
Shard I runs the clients j (0-based) with j mod N = I, under their global
keys (c1 .. cCOUNT), against the server at URL. For each policy the shards
meet at the server's barrier: when all N have arrived the server starts its
script again (t_ms 0, the first phase) and releases them together; when all
have finished, the next policy's barrier follows. Each shard writes
partial.json into --out (how its calls ended: unsent, unreached, fallbacks,
breaker spans, its attempts as its clients saw them) and no result;
'chaos merge DIR... --log server.jsonl' joins them with the server's log into
the result of a single-host 'chaos run S --engine live' of the same seed,
equal in every count; the latencies are those of the network. The admin
token, if the server needs one, is --admin-token or $CHAOS_ADMIN_TOKEN.`

// fleetFlags are run's flags for a shard of a live fleet across hosts.
type fleetFlags struct {
	server         string
	clients        shardFlag
	barrierTimeout time.Duration
	adminToken     string
}

func (f *fleetFlags) register(fl *pflag.FlagSet) {
	fl.StringVar(&f.server, "server", "", "with --clients: the URL of the external fault server (chaos serve --fleet-shards N) the shard's clients run against")
	fl.Var(&f.clients, "clients", "run only this share of a live fleet: I/N (0-based I) runs the clients j with j mod N = I against --server, "+
		"after the server's barrier, and writes partial.json into --out for 'chaos merge --log'")
	fl.DurationVar(&f.barrierTimeout, "barrier-timeout", 2*time.Minute, "with --clients: how long to wait at the server's barrier for the other shards before giving up (exit 2); 0 waits without bound")
	fl.StringVar(&f.adminToken, "admin-token", "", "with --clients: the server's admin token, for its barrier (default: $CHAOS_ADMIN_TOKEN)")
}

// check refuses the fleet flags where they do not apply.
func (f *fleetFlags) check(rf *runFlags) error {
	if !f.clients.set {
		if f.server != "" {
			return errors.New("--server needs --clients I/N: a shard of a live fleet runs against an external server")
		}
		return nil
	}
	switch {
	case f.server == "":
		return errors.New("--clients needs --server URL, the fault server (chaos serve --fleet-shards N) the shards share")
	case rf.engine != scenarios.EngineLive:
		return fmt.Errorf("--clients needs --engine live, not %s: a fleet across hosts is a live run", rf.engine)
	case rf.repeated():
		return errors.New("--clients runs one seed: it does not go with --repeat or --shard")
	case f.barrierTimeout < 0:
		return fmt.Errorf("--barrier-timeout %v: must not be negative", f.barrierTimeout)
	}
	u, err := url.Parse(f.server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--server %q: give the server's base URL, such as http://10.0.0.1:8080", f.server)
	}
	return nil
}

// runFleetShard runs this shard's clients of the fleet and writes its
// partial.json into --out.
func runFleetShard(cmd *cobra.Command, s streams, sc *scenarios.Scenario, arg string, opts scenarios.Options, rf *runFlags) error {
	f := &rf.fleet
	if err := mkdirOut(rf.out); err != nil {
		return err
	}
	token := f.adminToken
	if token == "" {
		token = os.Getenv("CHAOS_ADMIN_TOKEN")
	}
	bar := s.newProgress("logical requests")
	opts.Progress = bar.update
	part, err := sc.RunFleetShard(cmd.Context(), opts, scenarios.FleetShard{Index: f.clients.index, Of: f.clients.of,
		Server: f.server, Token: token, BarrierTimeout: f.barrierTimeout})
	bar.finish()
	if err != nil {
		var barrier *scenarios.FleetBarrierError
		var limit *scenarios.LimitError
		refused := errors.As(err, &barrier) && barrier.Status < http.StatusInternalServerError // a 4xx, or a timeout (0)
		if refused || (errors.As(err, &limit) && limit.Before) {
			return err // bad input: exit 2
		}
		return failed(err)
	}
	single := *rf
	single.out = outPlaceholder
	seed := sc.SeedOf(opts)
	p := &partial{Version: partialVersion, Kind: partialFleet, Scenario: sc.Name, ScenarioFile: arg, ScenarioText: string(sc.Source),
		Engine: scenarios.EngineLive, FirstSeed: seed, Shards: f.clients.of, Shard: f.clients.index,
		Command: reproduceCommand(arg, &single, seed), Fleet: part, FleetServer: f.server, FleetRetryWindowNs: int64(opts.RetryWindow)}
	path, err := writePartial(rf.out, p)
	if err != nil {
		return failed(err)
	}
	fmt.Fprintf(s.out, "shard %d/%d of scenario %s (seed %d) against %s: %d policies\n", f.clients.index, f.clients.of, sc.Name, seed, f.server, len(part.Policies))
	for _, pp := range part.Policies {
		fmt.Fprintf(s.out, "  %s: %d logical requests, %d succeeded, %d unsent, %d fallbacks\n", pp.Name, pp.LogicalRequests, pp.Succeeded, pp.Unsent, pp.Fallbacks)
	}
	fmt.Fprintf(s.out, "wrote %s; join the shards with chaos merge DIR... --log SERVER.jsonl\n", path)
	return nil
}

// mergeFleet joins the partials of a live fleet's shards with the server's
// arrival log (--log) into the result, report and arrivals.jsonl of the
// single-host live run.
func mergeFleet(s streams, parts []*partial, logPath, out string, asJSON bool) error {
	if logPath == "" {
		return errors.New("merging the shards of a live fleet needs --log FILE: the arrival log of the chaos serve --fleet-shards they ran against")
	}
	head := parts[0]
	sc, err := scenarios.Parse(head.ScenarioFile, []byte(head.ScenarioText))
	if err != nil {
		return fmt.Errorf("the partials' scenario: %w", err)
	}
	opts := scenarios.Options{Seed: &head.FirstSeed, RetryWindow: time.Duration(head.FleetRetryWindowNs), Policies: []string{}}
	fleets := make([]*scenarios.FleetPartial, len(parts))
	for i, p := range parts {
		fleets[i] = p.Fleet
	}
	for _, pp := range fleets[0].Policies {
		opts.Policies = append(opts.Policies, pp.Name)
	}
	log, err := logfile.Open(logPath)
	if err != nil {
		return fmt.Errorf("--log: %w", err)
	}
	defer log.Close()
	run, recs, err := sc.MergeFleet(opts, fleets, func(fn func(record.Record) error) error { return record.Read(log, fn) })
	if err != nil {
		return fmt.Errorf("--log %s: %w", logPath, err)
	}
	command := mergedCommand(head.Command, out)
	res, err := run.AnalyzeRecords(command, func(add func(record.Record) error) error {
		for i := range recs {
			if err := add(recs[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	arrivals := filepath.Join(out, "arrivals.jsonl")
	if err := writeRecords(arrivals, recs); err != nil {
		return failed(err)
	}
	return writeResult(s, out, res, asJSON, runSummary(s, sc, run, &res, arrivals))
}

// writeRecords writes recs to path as JSON lines.
func writeRecords(path string, recs []record.Record) error {
	file, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	w := record.NewWriter(file, record.WriterOptions{Buffer: 1 << 20})
	for i := range recs {
		if err := w.Write(&recs[i]); err != nil {
			file.Close()
			return err
		}
	}
	return errors.Join(w.Close(), file.Close())
}

// serveFleetHelp is what serve's --help says of --fleet-shards.
const serveFleetHelp = `

--fleet-shards N serves a live fleet split across N client processes
('chaos run S --engine live --server URL --clients I/N'): it needs --scenario
S, a scenario (not a bare script), whose clients.time_scale the server's clock
then runs at, as the in-process server of a single-host live run does, and
whose seed it draws its faults from unless --seed is given. The admin API
(on the --addr listener) holds a barrier, POST /_chaos/barrier: for each
policy, when all N shards have arrived it starts the script again (t_ms 0,
the first phase), labels the Records of the requests it accepts from then on
with the policy, and releases them together; when all N have finished it
waits for the requests in flight to be logged and releases them again. A
shard index given twice at one barrier, or one of another fleet (shard count,
seed, policy), is refused with 409, one out of range with 400.
GET /_chaos/barrier says how many have arrived. 'chaos merge DIR...
--log FILE' joins the shards' partials with the --log file.`

// applyFleetServe sets up serve --fleet-shards: the barrier, the clock of
// the scenario's time scale and, without --seed, its seed.
func applyFleetServe(cmd *cobra.Command, f *serveFlags, opts *faultserver.Options) error {
	if f.fleetShards == 0 {
		return nil
	}
	switch {
	case f.fleetShards < 0:
		return fmt.Errorf("--fleet-shards %d: must be positive", f.fleetShards)
	case f.scenario == "":
		return errors.New("--fleet-shards needs --scenario NAME|FILE: the scenario the shards run, for its time scale and seed")
	case f.admin != "same" && f.admin != "":
		return fmt.Errorf("--fleet-shards needs the admin API on the --addr listener (--admin same), not %q: the shards reach the barrier at --server URL", f.admin)
	case f.maxAdmin != -1 && f.fleetShards > f.maxAdmin:
		return fmt.Errorf("--fleet-shards %d: more than --max-admin-conns %d, and every shard waits at the barrier on an admin request", f.fleetShards, f.maxAdmin)
	case f.upstream != "":
		return errors.New("--fleet-shards does not go with --upstream: a scenario's server is the service itself")
	}
	sc, err := scenarios.Load(f.scenario)
	if err != nil {
		return fmt.Errorf("--fleet-shards: --scenario %s: %w", f.scenario, err)
	}
	opts.FleetShards, opts.Clock = f.fleetShards, scenarios.FleetClock(sc)
	if !cmd.Flags().Changed("seed") {
		opts.Seed = sc.Seed
	}
	return nil
}
