package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/chaos-harness/chaos/faultserver"
	"github.com/chaos-harness/chaos/internal/yamlfile"
	"github.com/chaos-harness/chaos/scenarios"
)

func init() { subcommands = append(subcommands, newValidateCmd) }

func newValidateCmd(s streams) *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE",
		Short: "Check a scenario file and report every problem with its line and field",
		Long: `validate parses a scenario file (or a built-in scenario's name) and checks
every section: unknown keys (with the near name suggested), values of the wrong
type and impossible values. A bare server script (the server: section's keys at
the top level, as 'chaos serve --scenario' accepts) is checked as a script.

It prints one line, "FILE: OK ...", and exits 0 when the scenario is valid;
otherwise it prints every problem as FILE:LINE:COLUMN: FIELD: MESSAGE on
standard error and exits 2.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if file, data, err := serveReadScenario(args[0]); err == nil && faultserver.IsBareScript(file, data) {
				return validateBareScript(s, file, data)
			}
			sc, err := scenarios.Load(args[0])
			if err != nil {
				return reportProblems(s, err)
			}
			fmt.Fprintf(s.out, "%s: OK (scenario %s: %d clients, %d policies, %d assertions)\n",
				sc.File, sc.Name, sc.Clients.ClientCount(), len(sc.Policies), len(sc.Assert))
			return nil
		},
	}
}

// validateBareScript checks a bare server script, the other kind of file
// that 'chaos serve --scenario' accepts.
func validateBareScript(s streams, file string, data []byte) error {
	spec, _, err := faultserver.ParseScript(file, data)
	if err != nil {
		return reportProblems(s, err)
	}
	fmt.Fprintf(s.out, "%s: OK (server script: %d phases, %d routes)\n", file, len(spec.Phases), len(spec.Routes))
	return nil
}

// reportProblems prints each located problem of a scenario on its own line and
// returns an error that counts them; other errors pass through unchanged.
func reportProblems(s streams, err error) error {
	var es yamlfile.Errors
	if !errors.As(err, &es) || len(es) == 0 {
		return err
	}
	for _, e := range es {
		fmt.Fprintln(s.err, e.Error())
	}
	if len(es) == 1 {
		return fmt.Errorf("%s: 1 problem", es[0].File)
	}
	return fmt.Errorf("%s: %d problems", es[0].File, len(es))
}
