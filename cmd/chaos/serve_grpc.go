package main

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/grpcfault"
	"github.com/chaos-harness/chaos/internal/logfile"
)

// grpcFlagHelp is --grpc's line in serve's --help.
const grpcFlagHelp = `serve the script to gRPC clients instead of HTTP ones (package grpcfault): any service and method, no .proto; the first line is "listening on grpc://HOST:PORT". A call is decided as a request is, its full method (/pkg.Service/Method) as the path; grpc_code, grpc_message, grpc_trailers and grpc_pushback say how it ends (docs/SCENARIOS.md). Takes --scenario, --addr, --seed, --log, --log-sync, --log-limit and --log-format; there is no admin API, proxy or --max-held over gRPC`

// serveGRPCScript is what serve read before it turned to gRPC.
type serveGRPCScript struct {
	spec    *faultserver.Spec
	seed    uint64
	source  string
	logSync time.Duration
}

// grpcRefusedFlags are serve's flags that have no meaning with --grpc.
var grpcRefusedFlags = []string{"upstream", "admin", "admin-token", "insecure-admin", "max-held", "max-admin-conns"}

// runServeGRPC is `chaos serve --grpc`: the gRPC fault server until a
// signal, then its log flushed.
func runServeGRPC(cmd *cobra.Command, s streams, f *serveFlags, sc serveGRPCScript, say serveMessages) error {
	for _, name := range grpcRefusedFlags {
		if cmd.Flags().Changed(name) {
			return fmt.Errorf("--%s has no meaning with --grpc: the gRPC server has no admin API, proxy mode or held-request limit", name)
		}
	}
	opts := grpcfault.Options{Seed: sc.seed, Addr: f.addr, LogLimit: f.logLimit, LogSync: sc.logSync}
	var logFile *logfile.Writer
	if f.logFile != "" {
		var err error
		if logFile, err = logfile.Create(f.logFile); err != nil {
			return fmt.Errorf("--log: %w", err)
		}
		opts.Log = logFile
		opts.OnLogError = func(err error) {
			say.say(slog.LevelError, fmt.Sprintf("%s: %v", f.logFile, err), "the log failed", "file", f.logFile, "error", err.Error())
		}
	}
	srv, err := grpcfault.NewStarted(sc.spec, opts)
	if err != nil {
		if logFile != nil {
			_ = logFile.Close()
		}
		return err
	}
	url := "grpc://" + srv.Addr()
	fmt.Fprintf(s.out, "listening on %s\n", url)
	say.say(slog.LevelInfo, fmt.Sprintf("script %s, seed %d", sc.source, sc.seed), "serving", "url", url, "script", sc.source, "seed", sc.seed)

	<-cmd.Context().Done()

	closeErr := srv.Close()
	if logFile != nil {
		if err := logFile.Close(); closeErr == nil {
			closeErr = err
		}
	}
	_, dropped, _ := srv.LogStatus()
	say.say(slog.LevelInfo, fmt.Sprintf("stopped after %d calls", srv.Calls()), "stopped", "calls", srv.Calls())
	if dropped > 0 {
		say.say(slog.LevelError, fmt.Sprintf("%d Records are not in %s", dropped, f.logFile), "Records lost from the log",
			"file", f.logFile, "dropped", dropped)
	}
	if closeErr != nil {
		return failed(fmt.Errorf("writing the log: %w", closeErr))
	}
	return nil
}
