package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

func init() { subcommands = append(subcommands, newCtlCmd) }

// defaultCtlURL is where `chaos serve` listens unless told otherwise.
const defaultCtlURL = "http://127.0.0.1:8080"

// ctlFlags are the flags every `chaos ctl` command shares.
type ctlFlags struct {
	url   string
	token string
}

// ctlFollowEvery is how often `ctl log --follow` asks for new Records.
const ctlFollowEvery = 250 * time.Millisecond

func newCtlCmd(s streams) *cobra.Command {
	var f ctlFlags
	cmd := &cobra.Command{
		Use:   "ctl COMMAND [--url URL] [--token TOKEN]",
		Short: "Drive a running 'chaos serve' through its admin API",
		Long: `ctl drives a running 'chaos serve' through its admin API (/_chaos/): read its
health and counts, read or swap the script, start it again, read or follow the
arrival log, read the Prometheus metrics.

--url is the admin API's base URL: the server's own (the default --admin same)
or the --admin address; default $CHAOS_URL, else ` + defaultCtlURL + `. --token
is the server's --admin-token; default $CHAOS_ADMIN_TOKEN.

Exit status: 0 done; 1 the server could not be reached or answered with an
error of its own; 2 bad input: a flag, an unreadable script, a script the
server refused (its problems name their line and field), a wrong token.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&f.url, "url", "", "base URL of the admin API (default: $CHAOS_URL, else "+defaultCtlURL+")")
	pf.StringVar(&f.token, "token", "", "the server's --admin-token (default: $CHAOS_ADMIN_TOKEN)")

	var seed uint64
	swap := &cobra.Command{
		Use:   "swap FILE [--seed N]",
		Short: "Replace the script with a bare server script or a scenario file's server: section",
		Long: `swap sends FILE to PUT /_chaos/script. Requests in flight keep the decisions
they have; new ones get the new script, whose phases begin now. A script the
server refuses is bad input (exit 2) with each problem at its line and field.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := os.ReadFile(args[0])
			if err != nil {
				return fmt.Errorf("cannot read the script: %w", err)
			}
			path := "/_chaos/script"
			if cmd.Flags().Changed("seed") {
				path += "?seed=" + strconv.FormatUint(seed, 10)
			}
			body, err := f.do(cmd.Context(), http.MethodPut, path, data)
			if err != nil {
				return err
			}
			return printAnswer(s, body)
		},
	}
	swap.Flags().Uint64Var(&seed, "seed", 0, "seed of the new script (default: the file's seed, else 1)")

	var offset int64
	var follow bool
	logCmd := &cobra.Command{
		Use:   "log [--offset N] [--follow]",
		Short: "Print the arrival log's Records as JSON lines; --follow waits for more",
		Long: `log prints the Records the server keeps in memory (its --log-limit), from
--offset on, as JSON lines, the format of arrivals.jsonl. --follow keeps asking
for new ones until interrupted (Ctrl-C ends it with exit 0).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return f.tail(cmd.Context(), s, offset, follow) },
	}
	logCmd.Flags().Int64Var(&offset, "offset", 0, "the offset of the first Record to print (0: the oldest kept)")
	logCmd.Flags().BoolVar(&follow, "follow", false, "keep printing new Records as they come")

	get := func(use, short, path string) *cobra.Command {
		return &cobra.Command{Use: use, Short: short, Args: cobra.NoArgs, RunE: func(cmd *cobra.Command, _ []string) error {
			body, err := f.do(cmd.Context(), http.MethodGet, path, nil)
			if err != nil {
				return err
			}
			_, err = s.out.Write(body)
			return err
		}}
	}
	reset := &cobra.Command{Use: "reset", Short: "Start the script again from its first phase, its clock at zero", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			body, err := f.do(cmd.Context(), http.MethodPost, "/_chaos/reset", nil)
			if err != nil {
				return err
			}
			return printAnswer(s, body)
		}}
	cmd.AddCommand(
		get("status", "Print the server's health: ok or degraded, its clock, requests in flight (JSON)", "/_chaos/health"),
		get("stats", "Print the counts per phase, fault and status (JSON)", "/_chaos/stats"),
		get("script", "Print the script in force (YAML)", "/_chaos/script"),
		get("metrics", "Print the Prometheus metrics", "/_chaos/metrics"),
		swap, reset, logCmd,
	)
	return cmd
}

// base is the admin API's base URL, validated.
func (f *ctlFlags) base() (string, error) {
	raw := f.url
	if raw == "" {
		raw = os.Getenv("CHAOS_URL")
	}
	if raw == "" {
		raw = defaultCtlURL
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("--url %q: want the server's base URL, such as %s", raw, defaultCtlURL)
	}
	return strings.TrimRight(raw, "/"), nil
}

// do sends one admin request and returns the body of a 2xx answer. The
// server's refusals become errors in its own words: 400 and 401 are bad
// input (exit 2), any other failure exit 1.
func (f *ctlFlags) do(ctx context.Context, method, path string, body []byte) ([]byte, error) {
	resp, err := f.send(ctx, method, path, body)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, failed(fmt.Errorf("reading the answer to %s %s: %w", method, path, err))
	}
	if resp.StatusCode/100 == 2 {
		return data, nil
	}
	return nil, answerError(method, path, resp.StatusCode, data)
}

func (f *ctlFlags) send(ctx context.Context, method, path string, body []byte) (*http.Response, error) {
	base, err := f.base()
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	token := f.token
	if token == "" {
		token = os.Getenv("CHAOS_ADMIN_TOKEN")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, failed(fmt.Errorf("cannot reach the admin API at %s: %w (is 'chaos serve' running there? --url or $CHAOS_URL)", base, err))
	}
	return resp, nil
}

// answerError is the error of an admin answer that is not a success, with
// the server's message (its JSON "error", or the body).
func answerError(method, path string, status int, body []byte) error {
	var msg struct {
		Error string `json:"error"`
	}
	text := strings.TrimSpace(string(body))
	if json.Unmarshal(body, &msg) == nil && msg.Error != "" {
		text = msg.Error
	}
	err := fmt.Errorf("%s %s: %d %s: %s", method, path, status, http.StatusText(status), text)
	switch status {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		return err
	case http.StatusUnauthorized:
		return fmt.Errorf("%w (give the server's --admin-token with --token or $CHAOS_ADMIN_TOKEN)", err)
	}
	return failed(err)
}

// printAnswer prints a JSON answer indented.
func printAnswer(s streams, body []byte) error {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		_, err := s.out.Write(body)
		return err
	}
	return writeJSON(s.out, v)
}

// tail prints the log from offset; with follow, it asks again every
// ctlFollowEvery from the offset the server says is next, until ctx ends.
func (f *ctlFlags) tail(ctx context.Context, s streams, offset int64, follow bool) error {
	if offset < 0 {
		return fmt.Errorf("--offset %d: want 0 or more", offset)
	}
	for {
		next, err := f.logPage(ctx, s, offset)
		if err != nil {
			if follow && ctx.Err() != nil {
				return nil // interrupted while following: the normal end
			}
			return err
		}
		if !follow {
			return nil
		}
		offset = next
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(ctlFollowEvery):
		}
	}
}

// logPage copies GET /_chaos/log?offset=N to standard output and returns
// the offset to ask for next.
func (f *ctlFlags) logPage(ctx context.Context, s streams, offset int64) (int64, error) {
	path := "/_chaos/log?offset=" + strconv.FormatInt(offset, 10)
	resp, err := f.send(ctx, http.MethodGet, path, nil)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		return 0, answerError(http.MethodGet, path, resp.StatusCode, body)
	}
	if _, err := io.Copy(s.out, resp.Body); err != nil {
		return 0, failed(fmt.Errorf("reading the log: %w", err))
	}
	next, err := strconv.ParseInt(resp.Header.Get("X-Chaos-Log-Next"), 10, 64)
	if err != nil {
		return 0, failed(errors.New("the server's log answer has no X-Chaos-Log-Next offset: is it 'chaos serve'?"))
	}
	return next, nil
}
