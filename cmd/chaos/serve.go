package main

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/internal/logfile"
	"github.com/chaos-harness/chaos/internal/yamlfile"
	"github.com/chaos-harness/chaos/scenarios"
)

func init() { subcommands = append(subcommands, newServeCmd) }

// serveFlags are the flags of `chaos serve`.
type serveFlags struct {
	scenario   string
	addr       string
	logFile    string
	seed       uint64
	upstream   string
	admin      string
	adminToken string
	insecure   bool
	logLimit   int
	maxHeld    int
	maxAdmin   int
	logSync    string
	logFormat  string

	// The --log header line (one clock across servers).
	logHeader  bool
	serverName string
	// --grpc: serve the script to gRPC clients (serve_grpc.go).
	grpc bool
	// TLS and HTTP/2 (issue 15; serve_tls.go).
	tls serveTLSFlags

	// A live fleet across hosts: the barrier's shard count (fleet.go).
	fleetShards int
}

func newServeCmd(s streams) *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve [--scenario NAME|FILE] [--addr 127.0.0.1:8080] [--log FILE.jsonl] [--seed N]",
		Short: "Serve scripted HTTP faults for a client in any language",
		Long: `serve runs the fault server: every request is decided by a script (phases,
weighted mixes, routes, capacity) and the decision is performed on the real
connection: statuses with Retry-After, delays, hangs, TCP resets, closes,
truncated, slow or malformed responses. Every request is logged as one Record
(a JSON line); analyse the log with 'chaos analyze'.

The first line of standard output is "listening on http://HOST:PORT". serve
runs until interrupted (SIGINT or SIGTERM), then releases held requests,
flushes the log and exits 0.

With --tls serve speaks HTTPS, HTTP/2 or HTTP/1.1 as ALPN chooses, with a
certificate signed by a CA made for the run: the first line is then
"listening on https://HOST:PORT" and the second "ca certificate: PATH", the
CA's PEM for the client to trust (curl --cacert PATH). --cert and --key
serve a certificate of your own instead; --h2c serves cleartext HTTP/2 with
prior knowledge beside HTTP/1.1. Records say the protocol ("protocol") and
TLS ("tls"). The script's faults before the request (tls_stall,
tls_bad_cert, tls_close, accept_stall) are decided per connection as it is
accepted, its HTTP/2 faults (goaway, rst_stream) per request; see
docs/SCENARIOS.md.

Clients may send X-Chaos-Client (client key), X-Chaos-Request (logical request
id) and X-Chaos-Attempt (1 for the first try); without X-Chaos-Client a client
is keyed by remote IP and User-Agent, and every Record numbers the connection
it came on ("conn"), which chaos analyze uses to group the attempts of a client
that sends no X-Chaos-* headers. Faulted responses carry X-Chaos-Fault. The admin API is under /_chaos/ (health, script, log, stats,
reset) and Prometheus metrics are at /metrics. Anyone who reaches the admin API
can replace the script, so serve refuses to put it on an address other than
loopback without --admin-token, unless --insecure-admin is given.

The server protects itself: headers over 64 KiB get 431, bodies over 10 MiB
413; a client that takes over 30s to send its headers or body, or to accept
its response, is disconnected, on the admin API and /metrics as on the faults;
and at most --max-held requests are held at once by hangs, delays and slow
bodies, the next ones answered 503 at once (fault overload, phase limit). The
admin API answers 503 beyond --max-admin-conns, and refuses a request without
the token before reading its body. If the --log file cannot be written (a full
disk), serve says so at once, counts the Records it drops and exits 1.

With --log-header the --log file's first line is a header,
{"chaos_log":1,"epoch_unix_ms":...,"server":...,"server_run":...}: the
wall-clock time of t_ms 0, the server's name (--server-name) and a fresh id of
this run, so 'chaos analyze' of logs of several servers puts them on one clock
and tells two runs of one server apart. It is off by default, as a reader of
the log that takes every line for a Record would stumble on it; 'chaos
analyze' and record.Reader read logs with and without it.
The --log file is written every 200ms and fsynced when serve exits on a signal:
a SIGKILL, an OOM kill or a crash of the process loses the Records of the last
200ms (a power loss, what the OS had not written back). --log-sync writes and
fsyncs each Record before its response is sent, so every answered request is
in the file whatever happens next (a slow body is logged after it is sent);
--log-sync=100ms does it every 100ms, losing at most that span. Each fsync
costs throughput: see docs/RELIABILITY.md.

Without --scenario, serve answers with this default script:

` + serveIndent(faultserver.DefaultScript, "    ") + serveFleetHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runServe(cmd, s, &f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.scenario, "scenario", "", "built-in scenario NAME, or a FILE: a scenario file (its server: section is served) or a bare server script")
	fl.StringVar(&f.addr, "addr", "127.0.0.1:8080", "address to listen on (port 0 picks a free port)")
	fl.StringVar(&f.logFile, "log", "", "write every Record to this file as JSON lines (flushed on exit); a name ending in .zst is compressed with zstd, which 'chaos analyze' reads as it is")
	fl.Uint64Var(&f.seed, "seed", 0, "seed of the fault decisions (default: the scenario file's seed, else 1)")
	fl.StringVar(&f.upstream, "upstream", "", "forward requests that draw no fault to this URL (proxy mode); a fault with after_upstream: true is forwarded too, and answers in place of the upstream's answer")
	fl.StringVar(&f.admin, "admin", "same", `where the admin API and /metrics listen: "same" (the --addr listener), "off", or an address of their own`)
	fl.StringVar(&f.adminToken, "admin-token", "", "require 'Authorization: Bearer TOKEN' on the admin API and /metrics (default: $CHAOS_ADMIN_TOKEN)")
	fl.BoolVar(&f.insecure, "insecure-admin", false, "serve the admin API on an address other than loopback without a token")
	fl.StringVar(&f.logSync, "log-sync", "", "make the --log file durable: bare --log-sync (or =line) writes and fsyncs every Record before its response is sent; --log-sync=100ms does so every 100ms (give the value with =). Default: written every 200ms, fsynced on exit")
	fl.Lookup("log-sync").NoOptDefVal = "line"
	fl.StringVar(&f.logFormat, "log-format", formatText, "how serve's own messages on standard error are written: text (lines for a person) or json (one JSON object a line, for a log collector)")
	_ = cmd.RegisterFlagCompletionFunc("log-format", completeWords(formatText, formatJSON))
	fl.BoolVar(&f.logHeader, "log-header", false, "start the --log file with a header line: the wall-clock epoch of t_ms 0, --server-name and a fresh run id, so 'chaos analyze' puts logs of several servers on one clock and tells two runs of one server apart")
	fl.StringVar(&f.serverName, "server-name", "", "with --log-header, the name of this server in the header (default: host name and listening address)")
	fl.BoolVar(&f.grpc, "grpc", false, grpcFlagHelp)
	f.tls.register(fl)
	fl.IntVar(&f.fleetShards, "fleet-shards", 0, "hold a barrier for this many client shards of a live fleet (chaos run --server URL --clients I/N); needs --scenario, whose time scale the clock runs at")
	fl.IntVar(&f.logLimit, "log-limit", faultserver.DefaultLogLimit, "Records kept in memory for the admin log (the --log file keeps all)")
	fl.IntVar(&f.maxHeld, "max-held", faultserver.DefaultMaxHeld, "most requests held at once by hangs, delays and slow bodies (-1: no limit)")
	fl.IntVar(&f.maxAdmin, "max-admin-conns", faultserver.DefaultMaxAdminConns, "most connections the admin API's own --admin listener holds at once, or admin requests served at once on the --addr listener; more get 503 (-1: no limit)")
	return cmd
}

func runServe(cmd *cobra.Command, s streams, f *serveFlags) error {
	say, err := newServeMessages(s.err, f.logFormat)
	if err != nil {
		return err
	}
	spec, fileSeed, source, err := loadServeScript(f.scenario)
	if err != nil {
		return err
	}
	seed := fileSeed
	if cmd.Flags().Changed("seed") {
		seed = f.seed
	}
	if f.logLimit <= 0 {
		return fmt.Errorf("--log-limit must be positive, not %d", f.logLimit)
	}
	if f.maxHeld == 0 || f.maxHeld < -1 {
		return fmt.Errorf("--max-held %d: must be positive, or -1 for no limit", f.maxHeld)
	}
	if f.maxAdmin == 0 || f.maxAdmin < -1 {
		return fmt.Errorf("--max-admin-conns %d: must be positive, or -1 for no limit", f.maxAdmin)
	}
	logSync, err := parseLogSync(f.logSync, f.logFile)
	if err != nil {
		return err
	}
	if (f.grpc || spec.Protocol == faultserver.ProtocolGRPC) && f.fleetShards != 0 {
		return errors.New("--fleet-shards does not go with --grpc: the fleet's shards are HTTP clients")
	}
	if f.grpc || spec.Protocol == faultserver.ProtocolGRPC { // server.protocol: grpc serves as --grpc does
		return runServeGRPC(cmd, s, f, serveGRPCScript{spec: spec, seed: seed, source: source, logSync: logSync}, say)
	}
	opts := faultserver.Options{Seed: seed, LogSync: logSync, Addr: f.addr, Upstream: f.upstream, LogLimit: f.logLimit,
		Admin:  faultserver.AdminOptions{Token: f.adminToken, Insecure: f.insecure},
		Limits: faultserver.Limits{MaxHeld: f.maxHeld, MaxAdminConns: f.maxAdmin}}
	if opts.Admin.Token == "" {
		opts.Admin.Token = os.Getenv("CHAOS_ADMIN_TOKEN")
	}
	f.tls.fromScript(spec)
	if err := applyFleetServe(cmd, f, &opts); err != nil {
		return err
	}
	caPath, err := f.tls.apply(f.addr, &opts)
	if err != nil {
		return err
	}
	switch f.admin {
	case "same", "":
	case "off":
		opts.Admin.Off = true
	default:
		opts.Admin.Addr = f.admin
	}
	var logFile *logfile.Writer
	if f.logFile != "" {
		if logFile, err = logfile.Create(f.logFile); err != nil {
			return fmt.Errorf("--log: %w", err)
		}
		opts.Log, opts.LogHeader, opts.Server = logFile, f.logHeader, f.serverName
		opts.OnLogError = func(err error) {
			say.say(slog.LevelError, fmt.Sprintf("%s: %v", f.logFile, err), "the log failed", "file", f.logFile, "error", err.Error())
		}
	}
	srv, err := faultserver.NewStarted(spec, opts)
	if err != nil {
		if logFile != nil {
			_ = logFile.Close()
		}
		if errors.Is(err, faultserver.ErrAdminExposed) {
			return fmt.Errorf("%w: give --admin-token (or $CHAOS_ADMIN_TOKEN), keep it on loopback "+
				"(--admin 127.0.0.1:PORT), turn it off (--admin off), or pass --insecure-admin", err)
		}
		return err
	}
	fmt.Fprintf(s.out, "listening on %s\n", srv.URL())
	if caPath != "" {
		fmt.Fprintf(s.out, "ca certificate: %s\n", caPath)
	}
	say.say(slog.LevelInfo, fmt.Sprintf("script %s, seed %d", source, opts.Seed), "serving", "url", srv.URL(), "script", source, "seed", opts.Seed)
	if f.fleetShards > 0 {
		say.say(slog.LevelInfo, fmt.Sprintf("fleet barrier for %d client shards at %s/_chaos/barrier", f.fleetShards, srv.URL()), "fleet barrier",
			"shards", f.fleetShards, "barrier_url", srv.URL()+"/_chaos/barrier")
	}
	if a := srv.AdminURL(); a != "" {
		say.say(slog.LevelInfo, fmt.Sprintf("admin API at %s/_chaos/ and metrics at %s/metrics", a, a), "admin API",
			"admin_url", a+"/_chaos/", "metrics_url", a+"/metrics")
	}

	<-cmd.Context().Done()

	closeErr := srv.Close()
	if logFile != nil {
		if err := logFile.Close(); closeErr == nil {
			closeErr = err
		}
	}
	st := srv.Stats()
	say.say(slog.LevelInfo, fmt.Sprintf("stopped after %d requests", st.Requests), "stopped", "requests", st.Requests)
	if st.LogDropped > 0 {
		say.say(slog.LevelError, fmt.Sprintf("%d Records are not in %s", st.LogDropped, f.logFile), "Records lost from the log",
			"file", f.logFile, "dropped", st.LogDropped)
	}
	if closeErr != nil {
		return failed(fmt.Errorf("writing the log: %w", closeErr))
	}
	return nil
}

// parseLogSync reads --log-sync: "" (off), "line" (every Record) or a
// positive interval.
func parseLogSync(v, logFile string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	if logFile == "" {
		return 0, fmt.Errorf("--log-sync needs --log FILE: there is no log file to sync")
	}
	if v == "line" {
		return faultserver.LogSyncEachLine, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("--log-sync=%s: give line (every Record) or a positive interval such as 100ms", v)
	}
	return d, nil
}

// loadServeScript reads --scenario: a file, a built-in NAME, or (empty) the
// default script. It returns the spec, the seed to use unless --seed is given,
// and a description of where the script came from.
func loadServeScript(arg string) (*faultserver.Spec, uint64, string, error) {
	if arg == "" {
		return faultserver.DefaultSpec(), 1, "default (flaky API)", nil
	}
	file, data, err := serveReadScenario(arg)
	if err != nil {
		return nil, 0, "", err
	}
	spec, _, err := faultserver.ParseScript(file, data)
	if err != nil {
		return nil, 0, "", err
	}
	seed, err := serveSeed(file, data)
	if err != nil {
		return nil, 0, "", err
	}
	return spec, seed, file, nil
}

// serveReadScenario reads a scenario argument as scenarios.Load resolves one
// (an existing file first, else a name of the built-in library), but keeps the
// bytes: serve also accepts a bare server script, which is no scenario.
func serveReadScenario(arg string) (file string, data []byte, err error) {
	_, statErr := os.Stat(arg)
	if statErr != nil {
		if data, err := scenarios.BuiltinSource(arg); err == nil {
			return "builtin:" + arg, data, nil
		}
		if !strings.ContainsAny(arg, `/\`) && filepath.Ext(arg) == "" {
			return "", nil, fmt.Errorf("%q is neither a file nor a built-in scenario (list them with 'chaos scenarios')", arg)
		}
	}
	data, err = os.ReadFile(arg)
	if err != nil {
		return "", nil, fmt.Errorf("cannot read scenario file: %w", err)
	}
	return arg, data, nil
}

// serveSeed is the top-level seed of a scenario file, or 1 when it has none.
func serveSeed(file string, data []byte) (uint64, error) {
	doc, err := yamlfile.Parse(file, data)
	if err != nil {
		return 0, err
	}
	for i := 0; doc.Root.Kind == yaml.MappingNode && i+1 < len(doc.Root.Content); i += 2 {
		if doc.Root.Content[i].Value != "seed" {
			continue
		}
		var seed uint64
		if err := doc.Root.Content[i+1].Decode(&seed); err != nil {
			return 0, doc.Errorf("seed", "seed must be a whole number from 0 to %d", uint64(math.MaxUint64))
		}
		return seed, nil
	}
	return 1, nil
}

func serveIndent(text, prefix string) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n")
}
